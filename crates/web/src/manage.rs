//! The management loop on the web (issue 5): the JSON API under `/api/v1` for work items,
//! weekly plans, the monthly ranking, supervision orders, causes and measures, the inbox
//! and the quarterly analysis, and the server-rendered pages 我的任务 `/my`, 任务清单
//! `/tasks`, 周计划 `/weekly`, 月排名 `/ranking`, 督办 `/orders`, 消息 `/inbox` and 季分析
//! `/reports`. Every handler reads the session; every write needs the CSRF token (header
//! for JSON, hidden `csrf` field for forms) and goes through [`youxiang_app::App`], which
//! checks role and scope. Pages work without JavaScript: plain forms, POST-redirect-GET.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::manage::ranking_xlsx;
use youxiang_app::{OrderFilter, RankBy, ReportFormat, Versioned};
use youxiang_core::china_time::show_minute;
use youxiang_core::manage::{
    ActionKind, IsoWeek, Milestone, Order, OrderAction, OrderDraft, OrderSource, OrderState,
    ReviewCheck, ReviewChecklist, WeekItem, WeekItemStatus, WorkItem,
};
use youxiang_core::period::{Period, PeriodKind};
use youxiang_core::scope::{Reporter, Role};

use crate::Shared;
use crate::api::{json_body, parse_date, parse_period, query};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::pages::{Chrome, chrome, error_page, need, render};

#[derive(OpenApi)]
#[openapi(
    paths(
        api_tasks,
        api_task,
        api_task_put,
        api_task_progress,
        api_attachment,
        api_weekly,
        api_weekly_file,
        api_ranking,
        api_ranking_xlsx,
        api_ranking_publish,
        api_orders,
        api_order,
        api_order_raise,
        api_order_action,
        api_order_stats,
        api_sweep,
        api_lag_notes,
        api_lag_note_save,
        api_inbox,
        api_inbox_read,
        api_quarterly
    ),
    components(schemas(
        WeeklyIn,
        WeekItemIn,
        PublishIn,
        RaiseIn,
        LagNoteIn,
        ReadIn,
        ProgressForm,
        TaskPutDoc,
        OrderActionDoc
    ))
)]
pub struct ManageDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/tasks", get(api_tasks))
        .route("/api/v1/tasks/{id}", get(api_task).put(api_task_put))
        .route("/api/v1/tasks/{id}/progress", post(api_task_progress))
        .route("/api/v1/attachments/{sha256}", get(api_attachment))
        .route("/api/v1/weekly", get(api_weekly).post(api_weekly_file))
        .route("/api/v1/ranking", get(api_ranking))
        .route("/api/v1/ranking.xlsx", get(api_ranking_xlsx))
        .route("/api/v1/ranking/publish", post(api_ranking_publish))
        .route("/api/v1/orders", get(api_orders).post(api_order_raise))
        .route("/api/v1/orders/stats", get(api_order_stats))
        .route("/api/v1/orders/sweep", post(api_sweep))
        .route("/api/v1/orders/{id}", get(api_order))
        .route("/api/v1/orders/{id}/actions", post(api_order_action))
        .route(
            "/api/v1/lag-notes",
            get(api_lag_notes).post(api_lag_note_save),
        )
        .route("/api/v1/inbox", get(api_inbox))
        .route("/api/v1/inbox/read", post(api_inbox_read))
        .route("/api/v1/reports/quarterly/{quarter}", get(api_quarterly))
        .route("/my", get(my_page))
        .route("/tasks", get(tasks_page))
        .route("/tasks/{id}", get(task_page))
        .route("/tasks/{id}/progress", post(task_progress_post))
        .route("/tasks/{id}/milestones", post(task_milestone_post))
        .route("/weekly", get(weekly_page).post(weekly_post))
        .route("/ranking", get(ranking_page))
        .route("/ranking/publish", post(ranking_publish_post))
        .route("/orders", get(orders_page).post(order_raise_post))
        .route("/orders/{id}", get(order_page))
        .route("/orders/{id}/action", post(order_action_post))
        .route("/inbox", get(inbox_page))
        .route("/inbox/read", post(inbox_read_post))
        .route("/reports", get(reports_page))
        .route("/reports/download", get(reports_download))
}

// ---------------------------------------------------------------------------------------
// Shared helpers

fn today() -> NaiveDate {
    youxiang_app::manage::today()
}

fn is_office(u: &Reporter) -> bool {
    matches!(u.role, Role::Admin | Role::Office)
}

/// Whether the user may change a work item (the office, or a reporter of the lead or a
/// partner unit) — the same rule the app applies.
fn may_edit(u: &Reporter, item: &WorkItem) -> bool {
    is_office(u)
        || (u.role.can_report()
            && (u.unit == item.lead_unit || item.partner_units.contains(&u.unit)))
}

/// The actions on an order this user is offered: the lead unit's to its reporters, the
/// office's to the office.
fn actions_for(u: &Reporter, o: &Order, day: NaiveDate) -> Vec<ActionKind> {
    let lead = u.role.can_report() && u.unit == o.lead_unit && !is_office(u);
    o.available_actions(day)
        .into_iter()
        .filter(|k| if k.by_lead_unit() { lead } else { is_office(u) })
        .collect()
}

fn code_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse_code<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(Value::String(s.trim().to_string())).ok()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266 / RFC 5987).
fn disposition(kind: &str, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        pct(name)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

fn file_response(mime: &str, kind: &str, name: &str, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_DISPOSITION, disposition(kind, name));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

fn parse_week(text: Option<&str>) -> ApiResult<IsoWeek> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(IsoWeek::from_date(today())),
        Some(t) => t
            .parse::<IsoWeek>()
            .map_err(|e| ApiError::invalid(format!("周“{t}”无效:{e}(应为 2025-W39)"))),
    }
}

fn parse_by(text: Option<&str>) -> ApiResult<RankBy> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(RankBy::Town),
        Some(t) => t.parse::<RankBy>().map_err(ApiError::invalid),
    }
}

/// The month of the latest official figure of any headline indicator at the plan's place
/// (the default month of the ranking, which counts official figures only), or last month
/// when there is none.
fn default_month(web: &Shared) -> Period {
    let state = web.app.read();
    let root = state.plan.place.clone();
    let latest = state
        .plan
        .indicators
        .iter()
        .filter(|i| i.is_table_row())
        .flat_map(|i| state.official.series_at(&i.code, &root))
        .map(|(p, _)| p.end())
        .filter(|d| *d <= today())
        .max();
    let day = latest.unwrap_or_else(|| today() - chrono::Duration::days(today().day() as i64));
    Period::containing(PeriodKind::Month, day)
        .or_else(|_| Period::containing(PeriodKind::Month, today()))
        .expect("a month contains every date")
}

fn parse_month(web: &Shared, text: Option<&str>) -> ApiResult<Period> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default_month(web)),
        Some(t) => {
            let p = parse_period(t)?;
            if p.kind() != PeriodKind::Month {
                return Err(ApiError::invalid(format!("“{t}”不是月份(应为 2025-06)")));
            }
            Ok(p)
        }
    }
}

fn order_json(u: &Reporter, o: &Versioned<Order>, day: NaiveDate) -> Value {
    let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        let acts: Vec<String> = actions_for(u, &o.item, day).iter().map(code_of).collect();
        m.insert("actions".into(), json!(acts));
        m.insert("state_zh".into(), json!(o.item.state.label_zh()));
        m.insert(
            "overdue".into(),
            json!(o.item.state.is_open() && o.item.is_overdue(day)),
        );
        m.insert("days_overdue".into(), json!(o.item.days_overdue(day)));
    }
    v
}

fn task_json(u: &Reporter, w: &Versioned<WorkItem>, day: NaiveDate) -> Value {
    let mut v = serde_json::to_value(w).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        let done = w
            .item
            .milestones
            .iter()
            .filter(|m| m.done_on.is_some())
            .count();
        m.insert("milestones_done".into(), json!(done));
        m.insert(
            "milestones_overdue".into(),
            json!(w.item.overdue_milestones(day).len()),
        );
        m.insert("may_edit".into(), json!(may_edit(u, &w.item)));
    }
    v
}

// ---------------------------------------------------------------------------------------
// API: tasks and attachments

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    /// Only items with a milestone past its date and not done.
    pub overdue: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "manage", params(TasksQuery),
    responses(
        (status = 200, description = "重点任务和重大项目(里程碑、投资、进展)", body = Vec<Object>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_tasks(
    State(web): State<Shared>,
    who: Authed,
    q: Result<Query<TasksQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<Value>>> {
    let q = query(q)?;
    let day = today();
    let items = web.app.work_items().await?;
    Ok(Json(
        items
            .iter()
            .filter(|w| !q.overdue.unwrap_or(false) || !w.item.overdue_milestones(day).is_empty())
            .map(|w| task_json(&who.user, w, day))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "manage",
    params(("id" = String, Path, description = "task:1.2 或 project:P01")),
    responses(
        (status = 200, description = "一项任务或项目", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
    ))]
async fn api_task(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let w = web.app.work_item(&id).await?;
    Ok(Json(task_json(&who.user, &w, today())))
}

/// `PUT /api/v1/tasks/{id}` as the OpenAPI document states it (the server reads [`TaskPut`]):
/// the object `GET` returned, changed, with its version.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TaskPutDoc {
    /// The version as last read (409 when someone saved since).
    #[schema(minimum = 0)]
    version: i64,
    /// The same id as in the path.
    #[schema(min_length = 1)]
    id: String,
    #[schema(pattern = "^(task|project)$")]
    kind: String,
    code: String,
    title: String,
    domain: Option<String>,
    lead_unit: String,
    partner_units: Vec<String>,
    measures: String,
    /// `{id, title, due (2025-12-31), done_on, note}`.
    #[schema(value_type = Vec<Object>)]
    milestones: Vec<()>,
    /// `{year, planned, done}` in 亿元.
    #[schema(value_type = Vec<Object>)]
    investment: Vec<()>,
    #[schema(value_type = Vec<Object>)]
    updates: Vec<()>,
    total_investment_yi_yuan: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct TaskPut {
    version: i64,
    #[serde(flatten)]
    item: WorkItem,
}

#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "manage",
    params(("id" = String, Path, description = "task:1.2 或 project:P01"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = TaskPutDoc, description = "GET 返回的对象(含 version),修改后整体提交"),
    responses(
        (status = 200, description = "已保存", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权修改或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 409, description = "已被他人修改(version 不符)", body = ErrorBody),
        (status = 422, description = "数据无效(逐条列出)", body = ErrorBody),
    ))]
async fn api_task_put(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<TaskPut>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    let body = json_body(body)?;
    if body.item.id != id {
        return Err(ApiError::invalid(format!(
            "请求体的 id“{}”与路径“{id}”不符",
            body.item.id
        )));
    }
    web.app.work_item(&id).await?;
    let saved = web
        .app
        .save_work_item(&who.user.login, body.item, body.version)
        .await?;
    Ok(Json(task_json(&who.user, &saved, today())))
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ProgressForm {
    /// 进展说明
    #[schema(min_length = 1, pattern = r"\S")]
    pub text: String,
    /// Evidence files (repeat the field for several; none is fine).
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    pub file: Option<Vec<Vec<u8>>>,
}

type Files = Vec<(String, String, Vec<u8>)>;

/// Reads a progress form: its text, its files (empty parts skipped) and the csrf field.
/// Reads a progress update's form; a body over `body_limit` is a 413.
async fn read_progress(
    mut mp: Multipart,
    body_limit: usize,
) -> ApiResult<(String, Files, Option<String>)> {
    let bad = |e| crate::api::multipart_error(e, body_limit);
    let mut text = String::new();
    let mut files = Vec::new();
    let mut csrf = None;
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "text" => text = field.text().await.map_err(bad)?,
            "csrf" => csrf = field.text().await.ok(),
            "file" => {
                // A browser sends an empty part with `filename=""` when no file was
                // chosen; a part without any filename is not a file at all.
                let Some(name) = field.file_name() else {
                    return Err(ApiError::invalid("附件(file)必须是文件(缺少 filename)"));
                };
                let name = name.rsplit(['/', '\\']).next().unwrap_or(name).to_string();
                let mime = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                if !name.is_empty() && !bytes.is_empty() {
                    files.push((name, mime, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok((text, files, csrf))
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/progress", tag = "manage",
    params(("id" = String, Path, description = "task:1.2 或 project:P01"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = ProgressForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "已记录进展", body = Object),
        (status = 400, description = "不是 multipart/form-data 请求"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权填报或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 413, description = "上传内容超过大小上限", body = ErrorBody),
        (status = 422, description = "内容无效", body = ErrorBody),
    ))]
async fn api_task_progress(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    Path(id): Path<String>,
    mp: Multipart,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    let (text, files, _) = read_progress(mp, web.config.body_limit).await?;
    let saved = web
        .app
        .add_progress(&who.user.login, &id, &text, files)
        .await?;
    Ok(Json(task_json(&who.user, &saved, today())))
}

#[utoipa::path(get, path = "/api/v1/attachments/{sha256}", tag = "manage",
    params(("sha256" = String, Path, description = "附件的 SHA-256(64 位十六进制)")),
    responses(
        (status = 200, description = "附件内容", content_type = "application/octet-stream"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "不存在,或不属于你能看到的任务", body = ErrorBody),
    ))]
async fn api_attachment(
    State(web): State<Shared>,
    _who: Authed,
    Path(sha): Path<String>,
) -> ApiResult<Response> {
    let sha = sha.to_ascii_lowercase();
    // Only files attached to a work item (every signed-in user sees the task list).
    let items = web.app.work_items().await?;
    let Some(att) = items
        .iter()
        .flat_map(|w| w.item.updates.iter())
        .flat_map(|u| u.attachments.iter())
        .find(|a| a.sha256 == sha)
        .cloned()
    else {
        return Err(ApiError::NotFound(format!("附件“{sha}”")));
    };
    let (meta, bytes) = web
        .app
        .db()
        .get_attachment(&sha)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("附件“{sha}”")))?;
    // Stored types are what the uploader's browser said: never let one render as a page.
    let mime = if meta.mime.starts_with("text/html") || meta.mime.contains("xml") {
        "application/octet-stream"
    } else {
        meta.mime.as_str()
    };
    Ok(file_response(mime, "attachment", &att.name, bytes))
}

// ---------------------------------------------------------------------------------------
// API: weekly plans

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeekQuery {
    /// ISO week `2025-W39`; this week when absent or empty.
    #[param(pattern = r"^([0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub week: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/weekly", tag = "manage", params(WeekQuery),
    responses(
        (status = 200, description = "一周的周计划:各部门是否报送(未报送列出)和各单位计划", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "周无效", body = ErrorBody),
    ))]
async fn api_weekly(
    State(web): State<Shared>,
    _who: Authed,
    q: Result<Query<WeekQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    let week = parse_week(q.week.as_deref())?;
    let (view, plans) = web.app.week_view(week).await?;
    Ok(Json(json!({
        "week": week.to_string(),
        "week_zh": week.label_zh(),
        "view": view,
        "plans": plans,
    })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WeekItemIn {
    #[schema(min_length = 1, pattern = r"\S")]
    pub text: String,
    /// `planned` (also when absent or empty), `done`, `carried`.
    #[schema(pattern = "^(planned|done|carried)?$")]
    #[serde(default)]
    pub status: Option<String>,
    /// The task or project it advances (`task:1.2`).
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
        (status = 200, description = "已报送(上周未完成事项自动结转)", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权为该单位报送或 CSRF 令牌无效", body = ErrorBody),
        (status = 422, description = "内容无效(逐条列出)", body = ErrorBody),
    ))]
async fn api_weekly_file(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    body: Result<Json<WeeklyIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    let body = json_body(body)?;
    if body.week.trim().is_empty() {
        return Err(ApiError::invalid("周计划须写明周(week,如 2025-W39)"));
    }
    let week = parse_week(Some(&body.week))?;
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
    Ok(Json(serde_json::to_value(saved).unwrap_or(Value::Null)))
}

// ---------------------------------------------------------------------------------------
// API: ranking

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankQuery {
    /// Month `2025-06`; the month of the latest figures when absent or empty.
    #[param(pattern = r"^([0-9]{4}-(0[1-9]|1[0-2]))?$")]
    pub month: Option<String>,
    /// `town` (default when absent or empty) or `department`.
    #[param(pattern = "^(town|department)?$")]
    pub by: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/ranking", tag = "manage", params(RankQuery),
    responses(
        (status = 200, description = "月排名:名次、得分、名次变化、无数据指标、后三位标记、规则全文(rule_zh)、历史", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_ranking(
    State(web): State<Shared>,
    _who: Authed,
    q: Result<Query<RankQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    let month = parse_month(&web, q.month.as_deref())?;
    let by = parse_by(q.by.as_deref())?;
    let r = web.app.ranking(by, month).await?;
    Ok(Json(serde_json::to_value(r).unwrap_or(Value::Null)))
}

#[utoipa::path(get, path = "/api/v1/ranking.xlsx", tag = "manage", params(RankQuery),
    responses(
        (status = 200, description = "月排名 Excel(排名、历史名次、规则)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_ranking_xlsx(
    State(web): State<Shared>,
    _who: Authed,
    q: Result<Query<RankQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let month = parse_month(&web, q.month.as_deref())?;
    let by = parse_by(q.by.as_deref())?;
    let r = web.app.ranking(by, month).await?;
    let bytes = ranking_xlsx(&r)?;
    let name = format!("月排名-{}-{month}.xlsx", by.label_zh());
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
        &name,
        bytes,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishIn {
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// `town` or `department`.
    #[schema(pattern = "^(town|department)$")]
    pub by: String,
}

#[utoipa::path(post, path = "/api/v1/ranking/publish", tag = "manage", request_body = PublishIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已发布;连续后三位的单位自动立项督办(raised)", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅工作专班可发布,或 CSRF 令牌无效", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_ranking_publish(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    body: Result<Json<PublishIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    let body = json_body(body)?;
    if body.month.trim().is_empty() || body.by.trim().is_empty() {
        return Err(ApiError::invalid(
            "发布排名须写明月份(month,如 2025-06)和排名对象(by:town 或 department)",
        ));
    }
    let month = parse_month(&web, Some(&body.month))?;
    let by = parse_by(Some(&body.by))?;
    let (report, raised) = web.app.publish_ranking(&who.user.login, by, month).await?;
    Ok(Json(json!({"report": report, "raised": raised})))
}

// ---------------------------------------------------------------------------------------
// API: supervision orders

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// Lead or partner unit.
    pub unit: Option<String>,
    /// `registered`, `assigned`, `in_progress`, `extension_requested`, `answered`,
    /// `closed`, `returned` (or the Chinese name: 立项, 交办, …); all when absent or empty.
    #[param(
        pattern = "^(registered|assigned|in_progress|extension_requested|answered|closed|returned|立项|交办|办理中|申请延期|已反馈|审结通过|退回)?$"
    )]
    pub state: Option<String>,
    /// Only open orders past their deadline.
    pub overdue: Option<bool>,
}

fn order_filter(unit: Option<&str>, state: Option<&str>, overdue: bool) -> ApiResult<OrderFilter> {
    let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            parse_code::<OrderState>(s)
                .or_else(|| OrderState::ALL.into_iter().find(|x| x.label_zh() == s))
                .ok_or_else(|| ApiError::invalid(format!("状态“{s}”无效")))?,
        ),
    };
    Ok(OrderFilter {
        unit: unit
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(String::from),
        state,
        overdue,
    })
}

#[utoipa::path(get, path = "/api/v1/orders", tag = "manage", params(OrdersQuery),
    responses(
        (status = 200, description = "你能看到的督办单(工作专班、查看者看全部,其他人看本单位牵头或配合的)", body = Vec<Object>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_orders(
    State(web): State<Shared>,
    who: Authed,
    q: Result<Query<OrdersQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<Value>>> {
    let q = query(q)?;
    let f = order_filter(
        q.unit.as_deref(),
        q.state.as_deref(),
        q.overdue.unwrap_or(false),
    )?;
    let day = today();
    let list = web.app.orders(&who.user.login, &f, day).await?;
    Ok(Json(
        list.iter().map(|o| order_json(&who.user, o, day)).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "manage",
    params(("id" = String, Path, description = "DB-2025-0001")),
    responses(
        (status = 200, description = "督办单,含时间线(events)和你现在可执行的操作(actions)", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
    ))]
async fn api_order(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let o = web.app.order(&who.user.login, &id).await?;
    Ok(Json(order_json(&who.user, &o, today())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RaiseIn {
    #[schema(min_length = 1, pattern = r"\S")]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The lead unit's name as in the plan (`区教育局`).
    #[schema(min_length = 1, pattern = r"\S")]
    pub lead_unit: String,
    #[serde(default)]
    pub partner_units: Vec<String>,
    /// 办理期限 `2025-10-31`.
    #[schema(format = Date)]
    pub deadline: String,
    /// Send it to the lead unit at once (交办); default true.
    #[serde(default)]
    pub assign: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/orders", tag = "manage", request_body = RaiseIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已立项(assign 时同时交办并通知牵头单位)", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅工作专班可立项,或 CSRF 令牌无效", body = ErrorBody),
        (status = 422, description = "内容无效(逐条列出)", body = ErrorBody),
    ))]
async fn api_order_raise(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    body: Result<Json<RaiseIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    let b = json_body(body)?;
    let o = raise(&web, &who, &b).await?;
    Ok(Json(order_json(&who.user, &o, today())))
}

async fn raise(web: &Shared, who: &Authed, b: &RaiseIn) -> ApiResult<Versioned<Order>> {
    let deadline = parse_date(b.deadline.trim(), "办理期限")?;
    let draft = OrderDraft {
        id: String::new(),
        title: b.title.trim().to_string(),
        body: b.body.trim().to_string(),
        source: OrderSource::Manual,
        lead_unit: b.lead_unit.trim().to_string(),
        partner_units: b
            .partner_units
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        deadline,
    };
    Ok(web
        .app
        .raise_order(&who.user.login, draft, b.assign.unwrap_or(true))
        .await?)
}

/// `POST /api/v1/orders/{id}/actions` as the OpenAPI document states it (the server reads
/// [`ActionIn`]); which fields an action needs, and whether the order's state allows it, are
/// checked by the server (422 with the reason).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct OrderActionDoc {
    #[schema(
        pattern = "^(assign|accept|request_extension|decide_extension|feedback|approve|return)$"
    )]
    action: String,
    /// The order's version as last read (409 when someone changed it since).
    #[schema(minimum = 0)]
    version: i64,
    /// request_extension: the new deadline, later than the current one.
    #[schema(format = Date)]
    new_deadline: Option<String>,
    /// request_extension, return.
    reason: Option<String>,
    /// decide_extension.
    approve: Option<bool>,
    /// feedback.
    text: Option<String>,
    /// approve: the six checks, each `true`.
    #[schema(value_type = Option<Object>)]
    checklist: Option<()>,
}

#[derive(Debug, Deserialize)]
struct ActionIn {
    version: i64,
    #[serde(flatten)]
    action: OrderAction,
}

/// Reads an action body, refusing fields the action does not take (a client that sends
/// `text` with `accept` has misunderstood the action; silently dropping it would lose it).
fn action_in(body: Value) -> ApiResult<ActionIn> {
    let Some(sent) = body
        .as_object()
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
    else {
        return Err(ApiError::invalid("请求体应为 JSON 对象"));
    };
    let read: ActionIn =
        serde_json::from_value(body).map_err(|e| ApiError::invalid(format!("请求体无效:{e}")))?;
    // The fields an action takes are the ones it writes back (serde keeps what the core
    // type declares and ignores the rest, so the comparison is what finds them).
    let takes: Vec<String> = serde_json::to_value(&read.action)
        .ok()
        .and_then(|v| v.as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default();
    let extra: Vec<String> = sent
        .iter()
        .filter(|k| k.as_str() != "version" && !takes.contains(k))
        .map(|k| format!("字段 {k} 不适用于该操作"))
        .collect();
    if extra.is_empty() {
        Ok(read)
    } else {
        Err(ApiError::Invalid(extra))
    }
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/actions", tag = "manage",
    params(("id" = String, Path, description = "DB-2025-0001"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = OrderActionDoc, description = "request_extension 带 new_deadline 和 reason;decide_extension 带 approve;feedback 带 text;approve 带 checklist(六项全部为 true);return 带 reason", example = json!({"action": "accept", "version": 1})),
    responses(
        (status = 200, description = "已执行;返回督办单", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权执行(如非牵头单位)或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 409, description = "已被他人修改(version 不符)", body = ErrorBody),
        (status = 422, description = "当前状态不允许,或缺理由、期限不晚于原期限、审结核查未全部通过(列出未通过项)", body = ErrorBody),
    ))]
async fn api_order_action(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    let b = action_in(json_body(body)?)?;
    let o = web
        .app
        .act_on_order(&who.user.login, &id, b.action, b.version)
        .await?;
    Ok(Json(order_json(&who.user, &o, today())))
}

#[utoipa::path(get, path = "/api/v1/orders/stats", tag = "manage",
    responses(
        (status = 200, description = "各牵头单位的督办统计:按期办结率、逾期率(0–1),末行为合计", body = Vec<Object>),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_order_stats(State(web): State<Shared>, _who: Authed) -> ApiResult<Json<Value>> {
    let s = web.app.order_stats(today()).await?;
    Ok(Json(serde_json::to_value(s).unwrap_or(Value::Null)))
}

#[utoipa::path(post, path = "/api/v1/orders/sweep", tag = "manage",
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "红灯自动立项、到期提醒、逾期升级(当天重复执行不重复发送)", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅工作专班,或 CSRF 令牌无效", body = ErrorBody),
    ))]
async fn api_sweep(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    if !is_office(&who.user) {
        return Err(ApiError::Forbidden(vec![format!(
            "{}({})无权执行督办巡检",
            who.user.name,
            who.user.role.label_zh()
        )]));
    }
    let r = web.app.sweep(today()).await?;
    Ok(Json(serde_json::to_value(r).unwrap_or(Value::Null)))
}

// ---------------------------------------------------------------------------------------
// API: lag notes

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LagQuery {
    /// A quarter `2025Q3` or a month; all when absent or empty.
    #[param(pattern = r"^([0-9]{4}(Q[1-4]|-(0[1-9]|1[0-2])))?$")]
    pub period: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/lag-notes", tag = "manage", params(LagQuery),
    responses(
        (status = 200, description = "滞后指标的原因和措施", body = Vec<Object>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "期间无效", body = ErrorBody),
    ))]
async fn api_lag_notes(
    State(web): State<Shared>,
    _who: Authed,
    q: Result<Query<LagQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(parse_period(p)?),
        None => None,
    };
    let notes = web.app.lag_notes(period).await?;
    Ok(Json(serde_json::to_value(notes).unwrap_or(Value::Null)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LagNoteIn {
    #[schema(min_length = 1, pattern = r"\S")]
    pub indicator: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub place: String,
    /// `2025Q3` or `2025-09`.
    #[schema(pattern = r"^[0-9]{4}(Q[1-4]|-(0[1-9]|1[0-2]))$")]
    pub period: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub measure: String,
}

#[utoipa::path(post, path = "/api/v1/lag-notes", tag = "manage", request_body = LagNoteIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已保存", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "不在你的范围内,或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "指标或地点不存在", body = ErrorBody),
        (status = 422, description = "内容无效", body = ErrorBody),
    ))]
async fn api_lag_note_save(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    body: Result<Json<LagNoteIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    let b = json_body(body)?;
    let period = parse_period(b.period.trim())?;
    let note = web
        .app
        .save_lag_note(
            &who.user.login,
            b.indicator.trim(),
            b.place.trim(),
            period,
            &b.cause,
            &b.measure,
        )
        .await?;
    Ok(Json(serde_json::to_value(note).unwrap_or(Value::Null)))
}

// ---------------------------------------------------------------------------------------
// API: inbox

#[utoipa::path(get, path = "/api/v1/inbox", tag = "manage",
    responses(
        (status = 200, description = "站内消息,新的在前(read_at 为空即未读)", body = Vec<Object>),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_inbox(State(web): State<Shared>, who: Authed) -> ApiResult<Json<Value>> {
    let list = web.app.inbox(&who.user.login).await?;
    Ok(Json(serde_json::to_value(list).unwrap_or(Value::Null)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadIn {
    pub ids: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/inbox/read", tag = "manage", request_body = ReadIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已标为已读(changed 条)", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "不是你的消息,或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "消息不存在", body = ErrorBody),
        (status = 422, description = "请求体无效", body = ErrorBody),
    ))]
async fn api_inbox_read(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    body: Result<Json<ReadIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    who.check_csrf_header(&headers)?;
    let b = json_body(body)?;
    let n = web.app.mark_read(&who.user.login, &b.ids).await?;
    Ok(Json(json!({"changed": n})))
}

// ---------------------------------------------------------------------------------------
// API: the quarterly analysis

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `html` (default, also when empty), `pdf` or `docx`.
    #[param(pattern = "^(html|pdf|docx)?$")]
    pub format: Option<String>,
}

/// The HTML report carries its own styles: served with a policy that allows them and
/// nothing else (no script at all).
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

async fn quarterly_file(
    web: &Shared,
    who: &Authed,
    quarter: &str,
    format: Option<&str>,
) -> ApiResult<Response> {
    let q = parse_period(quarter.trim())?;
    if q.kind() != PeriodKind::Quarter {
        return Err(ApiError::invalid(format!(
            "“{quarter}”不是季度(应为 2025Q3)"
        )));
    }
    let format: ReportFormat = format
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .unwrap_or("html")
        .parse()
        .map_err(ApiError::invalid)?;
    let bytes = web
        .app
        .quarterly_report_file(&who.user.login, q, today(), format)
        .await?;
    let name = format!("季分析-{q}.{}", format.extension());
    let kind = if format == ReportFormat::Html {
        "inline"
    } else {
        "attachment"
    };
    let mut resp = file_response(format.mime(), kind, &name, bytes);
    if format == ReportFormat::Html {
        resp.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(REPORT_CSP),
        );
    }
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/reports/quarterly/{quarter}", tag = "manage",
    params(("quarter" = String, Path, description = "2025Q3", pattern = r"^[0-9]{4}Q[1-4]$"), ReportQuery),
    responses(
        (status = 200, description = "季分析报告(文件名 季分析-2025Q3.pdf 等)", content(
            (String = "text/html"),
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        )),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 422, description = "季度或格式无效;或没有中文字体(消息中写明要安装的软件包)", body = ErrorBody),
    ))]
async fn api_quarterly(
    State(web): State<Shared>,
    who: Authed,
    Path(quarter): Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    quarterly_file(&web, &who, &quarter, q.format.as_deref()).await
}

// =======================================================================================
// Pages

const MSG: &[(&str, &str, &str)] = &[
    ("my", "我的任务", "My tasks"),
    ("tasks", "任务清单", "Tasks and projects"),
    ("weekly", "周计划", "Weekly plans"),
    ("ranking", "月排名", "Monthly ranking"),
    ("orders", "督办", "Supervision orders"),
    ("inbox", "消息", "Inbox"),
    ("reports", "季分析", "Quarterly analysis"),
    ("code", "编号", "Code"),
    ("kind", "类别", "Kind"),
    ("title", "名称", "Title"),
    ("lead", "牵头单位", "Lead unit"),
    ("partners", "配合单位", "Partner units"),
    ("milestones", "里程碑", "Milestones"),
    ("done", "已完成", "Done"),
    ("overdue", "逾期", "Overdue"),
    ("investment", "投资", "Investment"),
    ("planned", "计划", "Planned"),
    ("completed", "完成", "Completed"),
    ("updates", "进展", "Updates"),
    ("measures", "工作举措", "Measures"),
    ("route", "路线图与进度", "Route map and schedule"),
    ("due", "计划完成日期", "Due"),
    ("state", "状态", "State"),
    ("evidence", "佐证", "Evidence"),
    ("attachments", "附件", "Attachments"),
    ("add_progress", "填报进展", "Add progress"),
    ("progress_text", "进展说明", "What was done"),
    ("file", "附件(可多选)", "Files (several allowed)"),
    ("add_milestone", "新增里程碑", "Add a milestone"),
    ("mark_done", "标记完成", "Mark done"),
    ("save", "保存", "Save"),
    ("show", "查看", "Show"),
    ("week", "周", "Week"),
    ("unit", "单位", "Unit"),
    ("filed", "报送情况", "Filed"),
    ("not_filed", "未报送", "not filed"),
    ("carried", "结转", "Carried over"),
    ("filed_at", "报送时间", "Filed at"),
    ("my_plan", "本单位周计划", "Our weekly plan"),
    ("item", "事项", "Item"),
    ("file_plan", "报送周计划", "File the plan"),
    ("month", "月份", "Month"),
    ("by", "排名对象", "Ranked"),
    ("rank", "名次", "Rank"),
    ("score", "得分", "Score"),
    ("change", "名次变化", "Change"),
    ("no_data", "无数据指标", "Indicators without data"),
    ("flags", "标记", "Flags"),
    ("rule", "排名规则", "The rule"),
    ("history", "历史名次", "Rank by month"),
    ("excel", "下载 Excel", "Download Excel"),
    ("publish", "发布本月排名", "Publish this ranking"),
    ("deadline", "办理期限", "Deadline"),
    ("source", "来源", "Source"),
    ("stats", "督办统计", "Statistics"),
    ("raise", "立项督办", "Raise an order"),
    ("body", "督办事项", "Matter"),
    ("assign_now", "立即交办", "Assign at once"),
    ("timeline", "办理时间线", "Timeline"),
    ("act", "办理", "Act"),
    ("extensions", "延期申请", "Extensions"),
    ("checklist", "审结核查", "Closing review"),
    ("reason", "理由", "Reason"),
    ("new_deadline", "新期限", "New deadline"),
    ("feedback", "办理结果", "Result"),
    ("none", "没有记录", "Nothing to show"),
    ("unread", "未读", "unread"),
    ("read", "已读", "read"),
    ("mark_read", "标为已读", "Mark read"),
    ("mark_all", "全部标为已读", "Mark all read"),
    ("quarter", "季度", "Quarter"),
    ("format", "格式", "Format"),
    ("download", "下载", "Download"),
    ("preview", "在线预览(HTML)", "Preview (HTML)"),
    ("forms_due", "本期待报表单", "Forms due"),
    ("my_orders", "本单位督办单", "Orders for our unit"),
    ("notices", "未读消息", "Unread notices"),
    ("week_status", "本周周计划", "This week's plan"),
    ("filter", "筛选", "Filter"),
    ("all", "全部", "All"),
    ("only_overdue", "只看逾期", "Overdue only"),
    ("when", "时间", "When"),
    ("who", "办理人", "By"),
    ("note", "说明", "Note"),
    ("closure_rate", "按期办结率", "On-time closure"),
    ("overdue_rate", "逾期率", "Overdue rate"),
    ("raised", "立项", "Raised"),
    ("closed", "办结", "Closed"),
    ("open", "在办", "Open"),
];

/// Labels of the management pages in the page's language.
pub struct L {
    en: bool,
}

impl L {
    pub fn t(&self, key: &str) -> &'static str {
        MSG.iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, zh, en)| if self.en { *en } else { *zh })
            .unwrap_or("?")
    }
}

fn l(c: &Chrome) -> L {
    L { en: c.en }
}

type Fields = Vec<(String, String)>;

fn field<'a>(form: &'a Fields, k: &str) -> Option<&'a str> {
    form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn back_to(path: &str, msg: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}ok={}", pct(msg))).into_response()
}

fn yi(v: f64) -> String {
    crate::pages::num(Some(v), "亿元")
}

fn pctf(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{:.1}%", x * 100.0),
        _ => "—".into(),
    }
}

/// Runs a page handler with the signed-in user, or redirects to the sign-in page.
macro_rules! user {
    ($web:expr, $headers:expr) => {
        match need(&$web, &$headers) {
            Ok(w) => w,
            Err(r) => return r,
        }
    };
}

/// Checks the hidden csrf field of a form, or answers with the error page.
macro_rules! csrf {
    ($web:expr, $headers:expr, $who:expr, $form:expr, $path:expr) => {
        if $who.check_csrf(field(&$form, "csrf")).is_err() {
            let c = chrome(&$web, &$headers, Some(&$who), $path);
            return error_page(c, ApiError::Csrf);
        }
    };
}

macro_rules! ok_or_page {
    ($e:expr, $c:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return error_page($c, ApiError::from(e)),
        }
    };
}

// ---- /tasks ---------------------------------------------------------------------------

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
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), "/tasks");
    let items = ok_or_page!(web.app.work_items().await, c);
    let day = today();
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
                milestones: format!("{} 个", it.milestones.len()),
                done: it.milestones.iter().filter(|m| m.done_on.is_some()).count(),
                overdue: it.overdue_milestones(day).len(),
                planned,
                completed,
                updates: it.updates.len(),
            }
        })
        .collect();
    let l = l(&c);
    render(&TasksPage {
        title: l.t("tasks").into(),
        l,
        c,
        rows,
        only_overdue,
    })
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
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), &format!("/tasks/{id}"));
    let w = ok_or_page!(web.app.work_item(&id).await, c);
    let day = today();
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
    let l = l(&c);
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
        may_edit: may_edit(&who.user, it),
        notice: q.get("ok").cloned().unwrap_or_default(),
        today: day.to_string(),
        l,
        c,
    };
    render(&page)
}

async fn task_progress_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    mp: Multipart,
) -> Response {
    let who = user!(web, headers);
    let path = format!("/tasks/{id}");
    let c = chrome(&web, &headers, Some(&who), &path);
    let (text, files, csrf) = match read_progress(mp, web.config.body_limit).await {
        Ok(x) => x,
        Err(e) => return error_page(c, e),
    };
    if who.check_csrf(csrf.as_deref()).is_err() {
        return error_page(c, ApiError::Csrf);
    }
    let n = files.len();
    ok_or_page!(
        web.app
            .add_progress(&who.user.login, &id, &text, files)
            .await,
        c
    );
    back_to(&path, &format!("已记录进展(附件 {n} 个)"))
}

async fn task_milestone_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let who = user!(web, headers);
    let path = format!("/tasks/{id}");
    csrf!(web, headers, who, form, &path);
    let c = chrome(&web, &headers, Some(&who), &path);
    let w = ok_or_page!(web.app.work_item(&id).await, c);
    let version: i64 = field(&form, "version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(w.version);
    let mut item = w.item.clone();
    let date = |k: &str| -> Result<NaiveDate, ApiError> {
        let t = field(&form, k).unwrap_or_default().trim();
        if t.is_empty() {
            Ok(today())
        } else {
            parse_date(t, "日期")
        }
    };
    let msg = match field(&form, "milestone").and_then(|m| m.parse::<u32>().ok()) {
        Some(mid) => {
            let on = match date("done_on") {
                Ok(d) => d,
                Err(e) => return error_page(c, e),
            };
            let Some(m) = item.milestones.iter_mut().find(|m| m.id == mid) else {
                return error_page(c, ApiError::NotFound(format!("里程碑 {mid}")));
            };
            m.done_on = Some(on);
            if let Some(e) = field(&form, "evidence").filter(|e| !e.trim().is_empty()) {
                m.evidence = e.trim().to_string();
            }
            format!("里程碑“{}”已标记完成", m.title)
        }
        None => {
            let due = match field(&form, "due").unwrap_or_default().trim() {
                "" => return error_page(c, ApiError::invalid("请填写计划完成日期")),
                t => match parse_date(t, "计划完成日期") {
                    Ok(d) => d,
                    Err(e) => return error_page(c, e),
                },
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
    ok_or_page!(
        web.app.save_work_item(&who.user.login, item, version).await,
        c
    );
    back_to(&path, &msg)
}

// ---- /weekly --------------------------------------------------------------------------

struct WeekRowView {
    unit: String,
    filed: bool,
    expected: bool,
    planned: usize,
    done: usize,
    carried: usize,
    filed_at: String,
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
    office: bool,
    rows: Vec<WeekRowView>,
    missing: Vec<String>,
    plans: Vec<(String, Vec<(String, String)>)>,
    can_file: bool,
    unit: String,
    my_status: String,
    form_items: Vec<(usize, String, String)>,
    statuses: Vec<(String, String)>,
    notice: String,
}

async fn weekly_page(
    State(web): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), "/weekly");
    let week = match parse_week(q.get("week").map(String::as_str)) {
        Ok(w) => w,
        Err(e) => return error_page(c, e),
    };
    let office = is_office(&who.user) || who.user.role == Role::Viewer;
    let (view, plans) = ok_or_page!(web.app.week_view(week).await, c);
    let rows = view
        .rows
        .iter()
        .map(|r| WeekRowView {
            unit: r.unit.clone(),
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
                        r.filed_by.clone().unwrap_or_default()
                    )
                })
                .unwrap_or_default(),
        })
        .collect();
    let unit = who.user.unit.clone();
    let can_file = who.user.role.can_report() && !is_office(&who.user);
    let mine = ok_or_page!(web.app.weekly_plan(&unit, week).await, c);
    let my_status = match &mine {
        Some(p) => format!("已报送 {}({} 项)", show_minute(p.filed_at), p.items.len()),
        None => "未报送".into(),
    };
    let mut items: Vec<WeekItem> = match mine {
        Some(p) => p.items,
        None => match ok_or_page!(web.app.weekly_plan(&unit, week.previous()).await, c) {
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
        .map(|(i, it)| (i, it.text.clone(), code_of(&it.status)))
        .collect();
    let statuses = [
        WeekItemStatus::Planned,
        WeekItemStatus::Done,
        WeekItemStatus::Carried,
    ]
    .iter()
    .map(|s| (code_of(s), s.label_zh().to_string()))
    .collect();
    let plan_list = if office {
        plans
            .iter()
            .map(|p| {
                (
                    p.unit.clone(),
                    p.items
                        .iter()
                        .map(|i| (i.status.label_zh().to_string(), i.text.clone()))
                        .collect(),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let l = l(&c);
    render(&WeeklyPage {
        title: l.t("weekly").into(),
        week: week.to_string(),
        week_zh: week.label_zh(),
        prev: week.previous().to_string(),
        next: week.next().to_string(),
        office,
        rows,
        missing: view.missing.clone(),
        plans: plan_list,
        can_file,
        unit,
        my_status,
        form_items,
        statuses,
        notice: q.get("ok").cloned().unwrap_or_default(),
        l,
        c,
    })
}

async fn weekly_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let who = user!(web, headers);
    csrf!(web, headers, who, form, "/weekly");
    let c = chrome(&web, &headers, Some(&who), "/weekly");
    let week = match parse_week(field(&form, "week")) {
        Ok(w) => w,
        Err(e) => return error_page(c, e),
    };
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
            work_item: None,
        });
    }
    let items = match week_items(&items) {
        Ok(i) => i,
        Err(e) => return error_page(c, e),
    };
    let unit = field(&form, "unit")
        .filter(|u| !u.trim().is_empty())
        .map(String::from)
        .unwrap_or_else(|| who.user.unit.clone());
    ok_or_page!(
        web.app
            .file_weekly(&who.user.login, &unit, week, items)
            .await,
        c
    );
    back_to(
        &format!("/weekly?week={week}"),
        &format!("{unit} {} 周计划已报送", week.label_zh()),
    )
}

// ---- /ranking -------------------------------------------------------------------------

struct RankRowView {
    rank: String,
    unit: String,
    score: String,
    change: String,
    change_class: String,
    no_data: String,
    flag: String,
    bottom: bool,
}

#[derive(Template)]
#[template(path = "manage_ranking.html")]
struct RankingPage {
    c: Chrome,
    l: L,
    title: String,
    month: String,
    month_zh: String,
    by: String,
    by_zh: String,
    rows: Vec<RankRowView>,
    rule: String,
    history_head: Vec<String>,
    history: Vec<(String, Vec<String>)>,
    published: String,
    office: bool,
    notice: String,
}

async fn ranking_page(
    State(web): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), "/ranking");
    let month = match parse_month(&web, q.get("month").map(String::as_str)) {
        Ok(m) => m,
        Err(e) => return error_page(c, e),
    };
    let by = match parse_by(q.get("by").map(String::as_str)) {
        Ok(b) => b,
        Err(e) => return error_page(c, e),
    };
    let r = ok_or_page!(web.app.ranking(by, month).await, c);
    let rows = r
        .ranking
        .rows
        .iter()
        .map(|row| {
            let (change, class) = match (row.change, row.previous_rank) {
                (_, None) if row.rank.is_some() => ("新".to_string(), "same"),
                (Some(ch), _) if ch > 0 => (format!("↑{ch}"), "up"),
                (Some(ch), _) if ch < 0 => (format!("↓{}", -ch), "down"),
                (Some(_), _) => ("–".to_string(), "same"),
                _ => ("—".to_string(), "same"),
            };
            let flag = if r.flagged.contains(&row.unit) {
                format!(
                    "⚑ 连续{}个月后{}位·督办",
                    r.ranking.rule.consecutive_months, r.ranking.rule.bottom_n
                )
            } else if row.bottom {
                format!("▼ 后{}位", r.ranking.rule.bottom_n)
            } else {
                String::new()
            };
            RankRowView {
                rank: row
                    .rank
                    .map(|k| k.to_string())
                    .unwrap_or_else(|| "—".into()),
                unit: row.unit.clone(),
                score: row
                    .score
                    .map(|s| format!("{s:.2} 分"))
                    .unwrap_or_else(|| "○ 无数据".into()),
                change,
                change_class: class.into(),
                no_data: if row.no_data.is_empty() {
                    String::new()
                } else {
                    format!("○ {}({} 项)", row.no_data.join("、"), row.no_data.len())
                },
                flag,
                bottom: row.bottom,
            }
        })
        .collect();
    let history_head = r.history.iter().map(|(m, _)| m.label_zh()).collect();
    let history = r
        .ranking
        .rows
        .iter()
        .map(|row| {
            (
                row.unit.clone(),
                r.history
                    .iter()
                    .map(|(_, ranks)| match ranks.get(&row.unit) {
                        Some(Some(k)) => format!("第 {k} 名"),
                        _ => "—".into(),
                    })
                    .collect(),
            )
        })
        .collect();
    let l = l(&c);
    render(&RankingPage {
        title: l.t("ranking").into(),
        month: month.to_string(),
        month_zh: month.label_zh(),
        by: by.as_str().into(),
        by_zh: by.label_zh().into(),
        rows,
        rule: if c.en {
            r.rule_en.clone()
        } else {
            r.rule_zh.clone()
        },
        history_head,
        history,
        published: r
            .published_at
            .map(|t| format!("已于 {} 发布", show_minute(t)))
            .unwrap_or_else(|| "尚未发布".into()),
        office: is_office(&who.user),
        notice: q.get("ok").cloned().unwrap_or_default(),
        l,
        c,
    })
}

async fn ranking_publish_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let who = user!(web, headers);
    csrf!(web, headers, who, form, "/ranking");
    let c = chrome(&web, &headers, Some(&who), "/ranking");
    let month = match parse_month(&web, field(&form, "month")) {
        Ok(m) => m,
        Err(e) => return error_page(c, e),
    };
    let by = match parse_by(field(&form, "by")) {
        Ok(b) => b,
        Err(e) => return error_page(c, e),
    };
    let (_, raised) = ok_or_page!(web.app.publish_ranking(&who.user.login, by, month).await, c);
    let msg = if raised.is_empty() {
        "已发布".to_string()
    } else {
        format!("已发布,自动立项督办单 {}", raised.join("、"))
    };
    back_to(&format!("/ranking?month={month}&by={}", by.as_str()), &msg)
}

// ---- /orders --------------------------------------------------------------------------

struct OrderRow {
    id: String,
    title: String,
    lead: String,
    state: String,
    deadline: String,
    class: String,
    flag: String,
}

fn order_row(o: &Order, day: NaiveDate) -> OrderRow {
    let (class, flag) = if o.state.is_open() && o.is_overdue(day) {
        ("overdue", format!("■ 逾期 {} 天", o.days_overdue(day)))
    } else if o.state.is_open() && (o.deadline - day).num_days() <= 3 {
        (
            "soon",
            format!("▲ {} 天内到期", (o.deadline - day).num_days().max(0)),
        )
    } else {
        ("", String::new())
    };
    OrderRow {
        id: o.id.clone(),
        title: o.title.clone(),
        lead: o.lead_unit.clone(),
        state: o.state.label_zh().into(),
        deadline: o.deadline.to_string(),
        class: class.into(),
        flag,
    }
}

#[derive(Template)]
#[template(path = "manage_orders.html")]
struct OrdersPage {
    c: Chrome,
    l: L,
    title: String,
    rows: Vec<OrderRow>,
    stats: Vec<Vec<String>>,
    states: Vec<(String, String)>,
    f_unit: String,
    f_state: String,
    f_overdue: bool,
    office: bool,
    units: Vec<String>,
    notice: String,
    default_deadline: String,
}

async fn orders_page(
    State(web): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), "/orders");
    let f_unit = q.get("unit").cloned().unwrap_or_default();
    let f_state = q.get("state").cloned().unwrap_or_default();
    let f_overdue = q
        .get("overdue")
        .is_some_and(|v| v == "1" || v == "true" || v == "on");
    let filter = match order_filter(Some(&f_unit), Some(&f_state), f_overdue) {
        Ok(f) => f,
        Err(e) => return error_page(c, e),
    };
    let day = today();
    let list = ok_or_page!(web.app.orders(&who.user.login, &filter, day).await, c);
    let stats = ok_or_page!(web.app.order_stats(day).await, c)
        .iter()
        .map(|s| {
            vec![
                s.unit.clone(),
                format!("{} 件", s.raised),
                format!("{} 件", s.closed),
                format!("{} 件", s.open),
                format!("{} 件", s.overdue),
                pctf(s.closure_rate),
                pctf(s.overdue_rate),
            ]
        })
        .collect();
    let mut units = web.app.departments();
    units.extend(web.app.rank_units(RankBy::Town).into_iter().map(|(n, _)| n));
    let l = l(&c);
    render(&OrdersPage {
        title: l.t("orders").into(),
        rows: list.iter().map(|o| order_row(&o.item, day)).collect(),
        stats,
        states: OrderState::ALL
            .iter()
            .map(|s| (code_of(s), s.label_zh().to_string()))
            .collect(),
        f_unit,
        f_state,
        f_overdue,
        office: is_office(&who.user),
        units,
        notice: q.get("ok").cloned().unwrap_or_default(),
        default_deadline: (day + chrono::Duration::days(15)).to_string(),
        l,
        c,
    })
}

async fn order_raise_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let who = user!(web, headers);
    csrf!(web, headers, who, form, "/orders");
    let c = chrome(&web, &headers, Some(&who), "/orders");
    let b = RaiseIn {
        title: field(&form, "title").unwrap_or_default().into(),
        body: field(&form, "body").unwrap_or_default().into(),
        lead_unit: field(&form, "lead_unit").unwrap_or_default().into(),
        partner_units: field(&form, "partner_units")
            .unwrap_or_default()
            .split([',', ',', '、', '\n'])
            .map(String::from)
            .collect(),
        deadline: field(&form, "deadline").unwrap_or_default().into(),
        assign: Some(field(&form, "assign").is_some()),
    };
    let o = match raise(&web, &who, &b).await {
        Ok(o) => o,
        Err(e) => return error_page(c, e),
    };
    back_to(
        &format!("/orders/{}", o.item.id),
        &format!("已立项 {}", o.item.id),
    )
}

struct EventView {
    at: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    note: String,
}

#[derive(Template)]
#[template(path = "manage_order.html")]
struct OrderPage {
    c: Chrome,
    l: L,
    title: String,
    id: String,
    version: i64,
    state: String,
    source: String,
    lead: String,
    partners: String,
    deadline: String,
    flag: String,
    flag_class: String,
    body: String,
    created: String,
    events: Vec<EventView>,
    extensions: Vec<Vec<String>>,
    actions: Vec<(String, String)>,
    checks: Vec<(String, String, bool)>,
    checklist_done: Vec<(String, bool)>,
    closed: bool,
    notice: String,
    min_date: String,
}

async fn order_page(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), &format!("/orders/{id}"));
    let v = ok_or_page!(web.app.order(&who.user.login, &id).await, c);
    let day = today();
    let o = &v.item;
    let row = order_row(o, day);
    let events = o
        .events
        .iter()
        .map(|e| EventView {
            at: show_minute(e.at),
            actor: e.actor.clone(),
            action: e.action.label_zh().into(),
            from: e.from.label_zh().into(),
            to: e.to.label_zh().into(),
            note: e.note.clone(),
        })
        .collect();
    let extensions = o
        .extensions
        .iter()
        .map(|x| {
            vec![
                x.asked_at.format("%Y-%m-%d").to_string(),
                x.old_deadline.to_string(),
                x.new_deadline.to_string(),
                x.reason.clone(),
                match x.approved {
                    None => "待审批".into(),
                    Some(true) => "已批准".into(),
                    Some(false) => "不予延期".into(),
                },
            ]
        })
        .collect();
    let actions = actions_for(&who.user, o, day)
        .iter()
        .map(|k| {
            (
                code_of(k),
                if c.en { k.label_en() } else { k.label_zh() }.to_string(),
            )
        })
        .collect();
    let checks = ReviewCheck::ALL
        .iter()
        .map(|k| (code_of(k), k.label_zh().to_string(), o.checklist.get(*k)))
        .collect();
    let checklist_done = o
        .checklist
        .items()
        .iter()
        .map(|(k, v)| (k.label_zh().to_string(), *v))
        .collect();
    let l = l(&c);
    let page = OrderPage {
        title: format!("督办单 {}", o.id),
        id: o.id.clone(),
        version: v.version,
        state: o.state.label_zh().into(),
        source: o.source.label_zh(),
        lead: o.lead_unit.clone(),
        partners: if o.partner_units.is_empty() {
            "—".into()
        } else {
            o.partner_units.join("、")
        },
        deadline: o.deadline.to_string(),
        flag: row.flag,
        flag_class: row.class,
        body: format!("{}\n{}", o.title, o.body),
        created: format!("{}({})", show_minute(o.created_at), o.created_by),
        events,
        extensions,
        actions,
        checks,
        checklist_done,
        closed: o.state == OrderState::Closed,
        notice: q.get("ok").cloned().unwrap_or_default(),
        min_date: (o.deadline + chrono::Duration::days(1)).to_string(),
        l,
        c,
    };
    render(&page)
}

/// The action a form asks for, with its data.
fn action_of(form: &Fields) -> ApiResult<OrderAction> {
    let kind = field(form, "action").unwrap_or_default();
    let text = |k: &str| field(form, k).unwrap_or_default().trim().to_string();
    Ok(match parse_code::<ActionKind>(kind) {
        Some(ActionKind::Assign) => OrderAction::Assign,
        Some(ActionKind::Accept) => OrderAction::Accept,
        Some(ActionKind::RequestExtension) => OrderAction::RequestExtension {
            new_deadline: parse_date(&text("new_deadline"), "新期限")?,
            reason: text("reason"),
        },
        Some(ActionKind::DecideExtension) => OrderAction::DecideExtension {
            approve: field(form, "approve") == Some("true"),
        },
        Some(ActionKind::Feedback) => OrderAction::Feedback { text: text("text") },
        Some(ActionKind::Approve) => {
            let mut checklist = ReviewChecklist::default();
            for (n, v) in form {
                if n == "check"
                    && let Some(k) = parse_code::<ReviewCheck>(v)
                {
                    checklist.set(k, true);
                }
            }
            OrderAction::Approve { checklist }
        }
        Some(ActionKind::Return) => OrderAction::Return {
            reason: text("reason"),
        },
        None => return Err(ApiError::invalid(format!("操作“{kind}”无效"))),
    })
}

async fn order_action_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let who = user!(web, headers);
    let path = format!("/orders/{id}");
    csrf!(web, headers, who, form, &path);
    let c = chrome(&web, &headers, Some(&who), &path);
    let action = match action_of(&form) {
        Ok(a) => a,
        Err(e) => return error_page(c, e),
    };
    let label = action.label_zh();
    let version: i64 = field(&form, "version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let o = ok_or_page!(
        web.app
            .act_on_order(&who.user.login, &id, action, version)
            .await,
        c
    );
    back_to(
        &path,
        &format!("已{label},当前状态:{}", o.item.state.label_zh()),
    )
}

// ---- /inbox ---------------------------------------------------------------------------

struct NoticeView {
    id: String,
    kind: String,
    title: String,
    body: String,
    link: String,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "manage_inbox.html")]
struct InboxPage {
    c: Chrome,
    l: L,
    title: String,
    notices: Vec<NoticeView>,
    unread: usize,
    notice: String,
}

fn notice_views(list: &[youxiang_app::Notice]) -> Vec<NoticeView> {
    list.iter()
        .map(|n| NoticeView {
            id: n.id.clone(),
            kind: n.kind.label_zh().into(),
            title: n.title.clone(),
            body: n.body.clone(),
            link: if n.link.starts_with('/') && !n.link.starts_with("//") {
                n.link.clone()
            } else {
                String::new()
            },
            at: show_minute(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect()
}

async fn inbox_page(
    State(web): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), "/inbox");
    let list = ok_or_page!(web.app.inbox(&who.user.login).await, c);
    let notices = notice_views(&list);
    let unread = notices.iter().filter(|n| n.unread).count();
    let l = l(&c);
    render(&InboxPage {
        title: l.t("inbox").into(),
        notices,
        unread,
        notice: q.get("ok").cloned().unwrap_or_default(),
        l,
        c,
    })
}

async fn inbox_read_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let who = user!(web, headers);
    csrf!(web, headers, who, form, "/inbox");
    let c = chrome(&web, &headers, Some(&who), "/inbox");
    let ids: Vec<String> = if field(&form, "all").is_some() {
        ok_or_page!(web.app.inbox(&who.user.login).await, c)
            .into_iter()
            .filter(|n| n.read_at.is_none())
            .map(|n| n.id)
            .collect()
    } else {
        form.iter()
            .filter(|(k, _)| k == "id")
            .map(|(_, v)| v.clone())
            .collect()
    };
    let n = ok_or_page!(web.app.mark_read(&who.user.login, &ids).await, c);
    back_to("/inbox", &format!("已标为已读 {n} 条"))
}

// ---- /reports -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "manage_reports.html")]
struct ReportsPage {
    c: Chrome,
    l: L,
    title: String,
    quarters: Vec<(String, String)>,
    selected: String,
}

async fn reports_page(State(web): State<Shared>, headers: HeaderMap) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), "/reports");
    let latest = default_month(&web);
    let selected = Period::containing(PeriodKind::Quarter, latest.end())
        .map(|p| p.to_string())
        .unwrap_or_default();
    let mut quarters = Vec::new();
    let mut p = Period::containing(PeriodKind::Quarter, today()).ok();
    for _ in 0..12 {
        let Some(q) = p else { break };
        quarters.push((q.to_string(), q.label_zh()));
        p = q.pred();
    }
    let l = l(&c);
    render(&ReportsPage {
        title: l.t("reports").into(),
        quarters,
        selected,
        l,
        c,
    })
}

async fn reports_download(
    State(web): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), "/reports");
    let quarter = q.get("quarter").cloned().unwrap_or_default();
    match quarterly_file(&web, &who, &quarter, q.get("format").map(String::as_str)).await {
        Ok(r) => r,
        Err(e) => error_page(c, e),
    }
}

// ---- /my ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "manage_my.html")]
struct MyPage {
    c: Chrome,
    l: L,
    title: String,
    unit: String,
    forms: Vec<Vec<String>>,
    orders: Vec<OrderRow>,
    notices: Vec<NoticeView>,
    week: String,
    week_zh: String,
    week_status: String,
    week_filed: bool,
    reporter: bool,
}

async fn my_page(State(web): State<Shared>, headers: HeaderMap) -> Response {
    let who = user!(web, headers);
    let c = chrome(&web, &headers, Some(&who), "/my");
    let day = today();
    let login = who.user.login.clone();
    let unit = who.user.unit.clone();
    // Forms due: this user's periods with reports missing or pending, the last 120 days.
    let window = youxiang_core::completeness::Window {
        from: day - chrono::Duration::days(120),
        to: day,
        today: day,
        due_days: youxiang_core::completeness::DEFAULT_DUE_DAYS,
    };
    let rows = ok_or_page!(web.app.completeness(window).await, c);
    let mut forms: Vec<_> = rows
        .into_iter()
        .filter(|r| r.reporter == login && (r.missing + r.pending) > 0)
        .collect();
    forms.sort_by_key(|r| r.due);
    let forms = forms
        .iter()
        .take(30)
        .map(|r| {
            vec![
                r.period.label_zh(),
                r.due.to_string(),
                format!("{} 项", r.expected),
                format!("{} 项", r.received),
                format!("{} 项", r.missing),
                format!("{} 项", r.pending),
                format!("/entry?period={}", r.period),
            ]
        })
        .collect();
    let orders = ok_or_page!(
        web.app
            .orders(
                &login,
                &OrderFilter {
                    unit: Some(unit.clone()),
                    ..OrderFilter::default()
                },
                day,
            )
            .await,
        c
    );
    let mut orders: Vec<&Order> = orders
        .iter()
        .map(|o| &o.item)
        .filter(|o| o.state.is_open())
        .collect();
    orders.sort_by_key(|o| o.deadline);
    let orders = orders.iter().map(|o| order_row(o, day)).collect();
    let inbox = ok_or_page!(web.app.inbox(&login).await, c);
    let unread: Vec<_> = inbox.into_iter().filter(|n| n.read_at.is_none()).collect();
    let week = IsoWeek::from_date(day);
    let plan = ok_or_page!(web.app.weekly_plan(&unit, week).await, c);
    let (week_status, week_filed) = match plan {
        Some(p) => (
            format!("已报送 {}({} 项)", show_minute(p.filed_at), p.items.len()),
            true,
        ),
        None => ("未报送".to_string(), false),
    };
    let l = l(&c);
    render(&MyPage {
        title: l.t("my").into(),
        unit,
        forms,
        orders,
        notices: notice_views(&unread),
        week: week.to_string(),
        week_zh: week.label_zh(),
        week_status,
        week_filed,
        reporter: who.user.role.can_report() && !is_office(&who.user),
        l,
        c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_has_both_names() {
        let v = disposition("attachment", "季分析-2025Q3.pdf");
        let s = v.to_str().unwrap();
        assert!(s.starts_with("attachment; filename=\""), "{s}");
        assert!(
            s.contains("filename*=UTF-8''%E5%AD%A3%E5%88%86%E6%9E%90-2025Q3.pdf"),
            "{s}"
        );
        assert_eq!(pct("a b/ü"), "a%20b%2F%C3%BC");
    }
}
