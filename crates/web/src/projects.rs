//! 重大公共服务项目 and 民生实事 on the web. The register: `GET /api/v1/projects` (each
//! project with the year's light, and the programme's total against the plan's
//! 89.88亿元), `GET`/`PUT /api/v1/projects/{code}` (version 0 adds), `POST
//! /api/v1/projects/{code}/close`, `GET /api/v1/projects.xlsx`; the page `/projects` with
//! its add/edit, close and import forms. 民生实事: `GET /api/v1/livelihood`, `PUT
//! /api/v1/livelihood/{id}`, the report card `GET /api/v1/livelihood-card` and its
//! `.xlsx`; the page `/livelihood` with the monthly progress form.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::Versioned;
use youxiang_app::projects::ProjectSummary;
use youxiang_core::eval::Light;
use youxiang_core::manage::projects::{
    CardTime, LivelihoodItem, MajorProject, ProjectStatus, fmt_wan, format_milestones,
    format_years, parse_milestones, parse_years, split_units,
};

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};
use crate::text::light_str;
use crate::uploads::read_upload;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(OpenApi)]
#[openapi(
    paths(
        api_projects,
        api_project,
        api_project_put,
        api_project_close,
        api_projects_xlsx,
        api_projects_import,
        api_livelihood,
        api_livelihood_put,
        api_livelihood_card,
        api_livelihood_card_xlsx
    ),
    components(schemas(
        MajorProjectsOut,
        MajorProjectOut,
        ProjectPut,
        ProjectClose,
        ProjectsImported,
        LivelihoodOut,
        LivelihoodPut,
        CardOut
    ))
)]
pub struct ProjectsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/projects", get(api_projects))
        .route(
            "/api/v1/projects.xlsx",
            get(api_projects_xlsx).post(api_projects_import),
        )
        .route(
            "/api/v1/projects/{code}",
            get(api_project).put(api_project_put),
        )
        .route("/api/v1/projects/{code}/close", post(api_project_close))
        .route("/api/v1/livelihood", get(api_livelihood))
        .route(
            "/api/v1/livelihood/{id}",
            axum::routing::put(api_livelihood_put),
        )
        .route("/api/v1/livelihood-card", get(api_livelihood_card))
        .route(
            "/api/v1/livelihood-card.xlsx",
            get(api_livelihood_card_xlsx),
        )
        .route("/projects", get(projects_page).post(project_post))
        .route("/projects/import", post(projects_import_post))
        .route("/projects/{code}/close", post(project_close_post))
        .route("/livelihood", get(livelihood_page))
        .route("/livelihood/report", post(livelihood_report_post))
}

// ---- API --------------------------------------------------------------------------------

/// One project with the year's light.
#[derive(Debug, Serialize, ToSchema)]
pub struct MajorProjectOut {
    pub version: i64,
    /// The project as stored (`MajorProject`: code, name, domain, key_task, place,
    /// lead_unit, partner_units, total_wan, start, end, years, milestones, status, …).
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub project: serde_json::Value,
    /// The year's light (`green`, `yellow`, `red`, `grey`); None when it plans nothing.
    pub light: Option<String>,
    /// Percentage points behind the year's schedule (negative: ahead).
    pub gap: Option<f64>,
    /// How the light was reached, in words.
    pub explanation: Option<String>,
    pub may_edit: bool,
}

/// The register for a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct MajorProjectsOut {
    pub year: i32,
    /// The programme's total against the plan's (万元), the year's planned against
    /// completed, each with its light and explanation; counts by status.
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub summary: serde_json::Value,
    pub projects: Vec<MajorProjectOut>,
}

/// A project to save: `version` 0 adds it, else the version read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProjectPut {
    pub version: i64,
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub project: serde_json::Value,
}

/// Closing a project.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProjectClose {
    pub version: i64,
    /// `completed` (已完工) or `terminated` (已终止).
    pub status: String,
    pub note: String,
}

/// One 民生实事 item with its light at the latest month reported.
#[derive(Debug, Serialize, ToSchema)]
pub struct LivelihoodOut {
    pub version: i64,
    pub id: String,
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub item: serde_json::Value,
    pub light: String,
}

/// An item to save: `version` 0 adds it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LivelihoodPut {
    pub version: i64,
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub item: serde_json::Value,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year (default: the current one).
    pub year: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardQuery {
    pub year: i32,
    /// `mid` (年中, end of June) or `end` (年终); default (absent or empty) `end`.
    #[param(pattern = "^(mid|end)?$")]
    pub at: Option<String>,
}

fn project_out(
    web: &Shared,
    who: &Authed,
    p: &Versioned<MajorProject>,
    year: i32,
) -> MajorProjectOut {
    let s = p
        .item
        .year_schedule(year, web.app.today(), &web.app.light_bands());
    MajorProjectOut {
        version: p.version,
        project: serde_json::to_value(&p.item).unwrap_or_default(),
        light: s.as_ref().map(|s| light_str(s.light).to_string()),
        gap: s.as_ref().and_then(|s| s.gap).filter(|g| g.is_finite()),
        explanation: s.map(|s| s.explanation.formula),
        may_edit: youxiang_core::permission::may_write_for_unit(&who.user, &p.item.lead_unit),
    }
}

fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value, what: &str) -> ApiResult<T> {
    serde_json::from_value(v).map_err(|e| ApiError::invalid(format!("{what}的字段无效:{e}")))
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "manage", params(YearQuery),
    responses(
        (status = 200, description = "重大项目登记表:各项目本年灯号,累计投资对照方案总投资", body = MajorProjectsOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "年份不在 1900–2200 之间", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_projects(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<MajorProjectsOut>> {
    let year = asked_year(q.year.unwrap_or(web.app.today().year()))?;
    let list = web.app.projects().await?;
    let summary = web.app.project_summary(year, |_| true).await?;
    Ok(Json(MajorProjectsOut {
        year,
        summary: serde_json::to_value(&summary).unwrap_or_default(),
        projects: list
            .iter()
            .map(|p| project_out(&web, &who, p, year))
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/projects/{code}", tag = "manage",
    params(("code" = String, Path, description = "项目编号,如 XM01"), YearQuery),
    responses(
        (status = 200, description = "一个重大项目", body = MajorProjectOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_project(
    State(web): State<Shared>,
    who: Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<MajorProjectOut>> {
    let p = web.app.project(&code).await?;
    let year = asked_year(q.year.unwrap_or(web.app.today().year()))?;
    Ok(Json(project_out(&web, &who, &p, year)))
}

#[utoipa::path(put, path = "/api/v1/projects/{code}", tag = "manage",
    params(("code" = String, Path, description = "项目编号"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = ProjectPut, description = "version 为 0 时新增,否则为读取时的版本"),
    responses(
        (status = 200, description = "已保存", body = MajorProjectOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权(专班办公室或牵头单位)或 CSRF 令牌无效", body = ErrorBody),
        (status = 409, description = "已被他人修改(version 不符)", body = ErrorBody),
        (status = 422, description = "数据无效(逐条列出)", body = ErrorBody),
    ))]
async fn api_project_put(
    State(web): State<Shared>,
    who: Writer,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<ProjectPut>,
) -> ApiResult<Json<MajorProjectOut>> {
    let project: MajorProject = decode(body.project, "项目")?;
    if project.code != code {
        return Err(ApiError::invalid(format!(
            "路径中的编号 {code} 与项目编号 {} 不一致",
            project.code
        )));
    }
    let saved = web
        .app
        .save_project(&who.user.login, project, body.version)
        .await?;
    let year = web.app.today().year();
    Ok(Json(project_out(&web, &who, &saved, year)))
}

#[utoipa::path(post, path = "/api/v1/projects/{code}/close", tag = "manage",
    params(("code" = String, Path, description = "项目编号"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = ProjectClose),
    responses(
        (status = 200, description = "已关闭", body = MajorProjectOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 422, description = "状态或说明无效", body = ErrorBody),
    ))]
async fn api_project_close(
    State(web): State<Shared>,
    who: Writer,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<ProjectClose>,
) -> ApiResult<Json<MajorProjectOut>> {
    let status: ProjectStatus = body.status.parse().map_err(ApiError::invalid)?;
    let saved = web
        .app
        .close_project(&who.user.login, &code, status, &body.note, body.version)
        .await?;
    let year = web.app.today().year();
    Ok(Json(project_out(&web, &who, &saved, year)))
}

/// What an import wrote.
#[derive(Serialize, ToSchema)]
pub struct ProjectsImported {
    /// How many projects the file added or changed.
    imported: usize,
    /// Their codes, in the file's order.
    codes: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/projects.xlsx", tag = "manage",
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = crate::uploads::UploadForm, content_type = "multipart/form-data",
        description = "登记表 Excel 或 CSV(与导出的格式相同);已登记的编号按表中内容更新"),
    responses(
        (status = 200, description = "已导入(全部或全不)", body = ProjectsImported),
        (status = 400, description = "不是 multipart/form-data 请求"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权(专班办公室或牵头单位)或 CSRF 令牌无效", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 413, description = "请求体超过服务器的上传上限,未写入任何数据", body = ErrorBody),
        (status = 422, description = "文件有错误:逐行列出,未写入任何数据", body = ErrorBody),
    ))]
async fn api_projects_import(
    State(web): State<Shared>,
    who: Writer,
    mp: Multipart,
) -> ApiResult<Json<ProjectsImported>> {
    let (name, bytes, _) = read_upload(mp, web.config.body_limit).await?;
    let saved = web
        .app
        .import_projects(&who.user.login, &bytes, &name)
        .await?;
    Ok(Json(ProjectsImported {
        imported: saved.len(),
        codes: saved.into_iter().map(|p| p.item.code).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/projects.xlsx", tag = "manage",
    responses(
        (status = 200, description = "重大项目登记表 Excel(可原样导入)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_projects_xlsx(State(web): State<Shared>, _who: Authed) -> ApiResult<Response> {
    let bytes = web.app.projects_xlsx().await?;
    Ok(file_response(
        XLSX,
        "attachment",
        "重大项目登记表.xlsx",
        bytes,
    ))
}

fn latest_light(web: &Shared, i: &LivelihoodItem) -> Light {
    let month = i.latest().map_or(1, |p| p.month);
    i.schedule_at(month, &web.app.light_bands()).light
}

#[utoipa::path(get, path = "/api/v1/livelihood", tag = "manage", params(YearQuery),
    responses(
        (status = 200, description = "一年的民生实事:目标、牵头单位、逐月进度、完成日期、灯号", body = Vec<LivelihoodOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "年份不在 1900–2200 之间", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_livelihood(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<Vec<LivelihoodOut>>> {
    let year = asked_year(q.year.unwrap_or(web.app.today().year()))?;
    let items = web.app.livelihood_items(Some(year)).await?;
    Ok(Json(
        items
            .iter()
            .map(|i| LivelihoodOut {
                version: i.version,
                id: i.item.id(),
                item: serde_json::to_value(&i.item).unwrap_or_default(),
                light: light_str(latest_light(&web, &i.item)).into(),
            })
            .collect(),
    ))
}

#[utoipa::path(put, path = "/api/v1/livelihood/{id}", tag = "manage",
    params(("id" = String, Path, description = "年度-序号,如 2025-03"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = LivelihoodPut, description = "version 为 0 时新增"),
    responses(
        (status = 200, description = "已保存", body = LivelihoodOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 422, description = "数据无效", body = ErrorBody),
    ))]
async fn api_livelihood_put(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<LivelihoodPut>,
) -> ApiResult<Json<LivelihoodOut>> {
    let item: LivelihoodItem = decode(body.item, "民生实事")?;
    if item.id() != id {
        return Err(ApiError::invalid(format!(
            "路径中的编号 {id} 与年度、序号 {} 不一致",
            item.id()
        )));
    }
    let saved = web
        .app
        .save_livelihood(&who.user.login, item, body.version)
        .await?;
    Ok(Json(LivelihoodOut {
        version: saved.version,
        id: saved.item.id(),
        light: light_str(latest_light(&web, &saved.item)).into(),
        item: serde_json::to_value(&saved.item).unwrap_or_default(),
    }))
}

/// A year asked for: within 1900–2200 (a programme's years), else 404.
fn asked_year(year: i32) -> ApiResult<i32> {
    if (1900..=2200).contains(&year) {
        Ok(year)
    } else {
        // A year is a resource the register does not have (as status and the map answer
        // a year outside the plan): 404.
        Err(ApiError::NotFound(format!(
            "年份 {year}(应在 1900–2200 之间)"
        )))
    }
}

fn card_time(at: Option<&str>) -> ApiResult<CardTime> {
    // Absent or empty: the year-end card.
    let at = at.map(str::trim).filter(|a| !a.is_empty());
    at.map_or(Ok(CardTime::YearEnd), |a| {
        a.parse().map_err(ApiError::invalid)
    })
}

#[utoipa::path(get, path = "/api/v1/livelihood-card", tag = "manage", params(CardQuery),
    responses(
        (status = 200, description = "民生实事年中或年终报告单(每项的累计完成、完成比例、灯号和依据)", body = CardOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "年份不在 1900–2200 之间", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_livelihood_card(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<CardQuery>,
) -> ApiResult<Json<CardOut>> {
    let at = card_time(q.at.as_deref())?;
    asked_year(q.year)?;
    let rows = web.app.livelihood_card(q.year, at).await?;
    Ok(Json(CardOut {
        year: q.year,
        at: serde_json::to_value(at)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        rows: rows
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or_default())
            .collect(),
    }))
}

/// A 民生实事 report card.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardOut {
    pub year: i32,
    /// `mid_year` or `year_end`.
    pub at: String,
    /// One row per item: number, name, lead_unit, target, unit, done, share, completed_on,
    /// schedule (light, gap, explanation).
    #[schema(value_type = Vec<std::collections::HashMap<String, serde_json::Value>>)]
    pub rows: Vec<serde_json::Value>,
}

#[utoipa::path(get, path = "/api/v1/livelihood-card.xlsx", tag = "manage", params(CardQuery),
    responses(
        (status = 200, description = "民生实事报告单 Excel", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "年份不在 1900–2200 之间", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_livelihood_card_xlsx(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<CardQuery>,
) -> ApiResult<Response> {
    let at = card_time(q.at.as_deref())?;
    asked_year(q.year)?;
    let bytes = web.app.livelihood_card_xlsx(q.year, at).await?;
    Ok(file_response(
        XLSX,
        "attachment",
        &format!("{}年民生实事{}报告单.xlsx", q.year, at.label_zh()),
        bytes,
    ))
}

// ---- pages ------------------------------------------------------------------------------

fn tr(c: &Chrome, zh: &str, en: &str) -> String {
    if c.en { en.into() } else { zh.into() }
}

/// `12,000 万元` — or `1.2亿元` from 10000 up, as people read large amounts.
pub fn wan(c: &Chrome, v: f64) -> String {
    if v.abs() >= 10_000.0 {
        let yi = format!("{:.2}", v / 10_000.0);
        if c.en {
            format!("{yi} 亿元 (100 m yuan)")
        } else {
            format!("{yi}亿元")
        }
    } else {
        format!("{}万元", fmt_wan(v))
    }
}

/// The programme's panel as the overview and the projects page show it.
pub struct TotalView {
    pub completed: String,
    pub goal: String,
    pub share: String,
    pub planned_to_date: String,
    pub year_planned: String,
    pub year_completed: String,
    pub light: &'static str,
    pub light_text: String,
    pub year_light: &'static str,
    pub year_light_text: String,
    pub formula: String,
    pub year: i32,
    pub projects: usize,
    pub statuses: String,
}

pub fn total_view(c: &Chrome, s: &ProjectSummary) -> TotalView {
    let t = &s.total;
    TotalView {
        completed: wan(c, t.completed_to_date_wan),
        goal: t.goal_wan.map(|g| wan(c, g)).unwrap_or_else(|| "—".into()),
        share: t
            .share_of_goal
            .map(|v| format!("{:.1}%", v * 100.0))
            .unwrap_or_else(|| "—".into()),
        planned_to_date: wan(c, t.planned_to_date_wan),
        year_planned: wan(c, s.year.planned_wan),
        year_completed: s
            .year
            .completed_wan
            .map(|v| wan(c, v))
            .unwrap_or_else(|| tr(c, "未报送", "not reported")),
        light: light_str(t.schedule.light),
        light_text: c.light(t.schedule.light),
        year_light: light_str(s.year.schedule.light),
        year_light_text: c.light(s.year.schedule.light),
        formula: if c.en {
            String::new()
        } else {
            t.schedule.explanation.formula.clone()
        },
        year: s.year.year,
        projects: t.projects,
        statuses: s
            .by_status
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(st, n)| {
                if c.en {
                    format!("{} {n}", st.label_en())
                } else {
                    format!("{}{n}个", st.label_zh())
                }
            })
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

struct ProjectRow {
    code: String,
    name: String,
    domain: String,
    place: String,
    lead: String,
    status: String,
    closed: bool,
    total: String,
    planned: String,
    completed: String,
    light: &'static str,
    light_text: String,
    formula: String,
    milestones: String,
    may_edit: bool,
    version: i64,
}

/// The add/edit form's values.
#[derive(Default)]
struct FormView {
    version: i64,
    code: String,
    name: String,
    domain: String,
    task: String,
    place: String,
    lead: String,
    partners: String,
    total: String,
    start: String,
    end: String,
    status: String,
    milestones: String,
    years: String,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    c: Chrome,
    title: String,
    year: i32,
    years: Vec<(i32, bool)>,
    total: TotalView,
    rows: Vec<ProjectRow>,
    form: FormView,
    editing: bool,
    may_add: bool,
    domains: Vec<(String, String)>,
    places: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct ProjectsQ {
    year: Option<i32>,
    edit: Option<String>,
}

async fn projects_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<ProjectsQ>,
) -> PageResult {
    let c = who.chrome(&web, "/projects");
    let today = web.app.today();
    let year = asked_year(q.year.unwrap_or(today.year())).map_err(|e| c.error(e))?;
    let list = web.app.projects().await.map_err(|e| c.error(e))?;
    let summary = web
        .app
        .project_summary(year, |_| true)
        .await
        .map_err(|e| c.error(e))?;
    let bands = web.app.light_bands();
    let state = web.app.read();
    let place_name = |code: &Option<String>| {
        code.as_deref()
            .map(|p| {
                state
                    .tree
                    .by_code(p)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| p.to_string())
            })
            .unwrap_or_else(|| "—".into())
    };
    let domain_name = |d: &str| {
        state
            .plan
            .domains
            .iter()
            .find(|x| x.code == d)
            .map(|x| {
                if c.en && !x.name_en.is_empty() {
                    x.name_en.clone()
                } else {
                    x.name.clone()
                }
            })
            .unwrap_or_else(|| d.to_string())
    };
    let rows = list
        .iter()
        .map(|v| {
            let p = &v.item;
            let y = p.year(year);
            let s = p.year_schedule(year, today, &bands);
            ProjectRow {
                code: p.code.clone(),
                name: p.name.clone(),
                domain: domain_name(&p.domain),
                place: place_name(&p.place),
                lead: p.lead_unit.clone(),
                status: if c.en {
                    p.status.label_en().into()
                } else {
                    p.status.label_zh().into()
                },
                closed: p.status.is_closed(),
                total: wan(&c, p.total_wan),
                planned: y.map(|y| wan(&c, y.planned_wan)).unwrap_or("—".into()),
                completed: y
                    .and_then(|y| y.completed_wan)
                    .map(|v| wan(&c, v))
                    .unwrap_or_else(|| tr(&c, "未报送", "not reported")),
                light: s.as_ref().map_or("none", |s| light_str(s.light)),
                light_text: s
                    .as_ref()
                    .map(|s| c.light(s.light))
                    .unwrap_or_else(|| tr(&c, "本年无计划", "nothing planned")),
                formula: match (&s, c.en) {
                    (Some(s), false) => s.explanation.formula.clone(),
                    _ => String::new(),
                },
                milestones: {
                    let done = p.milestones.iter().filter(|m| m.done_on.is_some()).count();
                    let late = p.overdue_milestones(today);
                    if c.en {
                        format!("{done}/{} done, {late} overdue", p.milestones.len())
                    } else {
                        format!("完成{done}/{}个,逾期{late}个", p.milestones.len())
                    }
                },
                may_edit: youxiang_core::permission::may_write_for_unit(&who.user, &p.lead_unit),
                version: v.version,
            }
        })
        .collect();
    let editing = q.edit.is_some();
    let form = match q
        .edit
        .as_deref()
        .and_then(|e| list.iter().find(|p| p.item.code == e))
    {
        Some(v) => {
            let p = &v.item;
            FormView {
                version: v.version,
                code: p.code.clone(),
                name: p.name.clone(),
                domain: p.domain.clone(),
                task: p.key_task.clone().unwrap_or_default(),
                place: p.place.clone().unwrap_or_default(),
                lead: p.lead_unit.clone(),
                partners: p.partner_units.join("、"),
                total: fmt_wan(p.total_wan),
                start: p.start.to_string(),
                end: p.end.to_string(),
                status: p.status.code().into(),
                milestones: format_milestones(&p.milestones),
                years: format_years(&p.years),
            }
        }
        None => FormView {
            lead: if who.user.role.is_office() {
                String::new()
            } else {
                who.user.unit.clone()
            },
            status: ProjectStatus::NotStarted.code().into(),
            ..Default::default()
        },
    };
    let page = ProjectsPage {
        title: tr(&c, "重大公共服务项目", "Major public-service projects"),
        year,
        years: (state.plan.baseline_year + 1
            ..=state
                .plan
                .target_years
                .iter()
                .copied()
                .max()
                .unwrap_or(year))
            .map(|y| (y, y == year))
            .collect(),
        total: total_view(&c, &summary),
        rows,
        form,
        editing,
        may_add: who.user.role.is_office() || who.user.role.can_report(),
        domains: state
            .plan
            .domains
            .iter()
            .map(|d| (d.code.clone(), domain_name(&d.code)))
            .collect(),
        places: state
            .tree
            .places()
            .iter()
            .filter(|p| {
                matches!(
                    p.level,
                    youxiang_core::place::Level::County | youxiang_core::place::Level::Town
                )
            })
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect(),
        statuses: ProjectStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.code().to_string(),
                    if c.en { s.label_en() } else { s.label_zh() }.to_string(),
                )
            })
            .collect(),
        c,
    };
    drop(state);
    Ok(render(&page))
}

fn form_project(form: &Fields) -> Result<(MajorProject, i64), ApiError> {
    let text = |k: &str| field(form, k).unwrap_or_default().trim().to_string();
    let date = |k: &str, what: &str| -> Result<NaiveDate, ApiError> {
        crate::text::parse_date(&text(k), what)
    };
    let total = text("total");
    let total_wan: f64 = total
        .parse()
        .map_err(|_| ApiError::invalid(format!("总投资“{total}”应为数字(万元)")))?;
    let status: ProjectStatus = text("status").parse().map_err(ApiError::invalid)?;
    let task = text("task");
    let place = text("place");
    Ok((
        MajorProject {
            code: text("code"),
            name: text("name"),
            domain: text("domain"),
            key_task: (!task.is_empty()).then_some(task),
            place: (!place.is_empty()).then_some(place),
            lead_unit: text("lead"),
            partner_units: split_units(&text("partners")),
            total_wan,
            start: date("start", "开工日期")?,
            end: date("end", "竣工日期")?,
            years: parse_years(&text("years"))
                .map_err(|e| ApiError::invalid(format!("年度投资:{e}")))?,
            milestones: parse_milestones(&text("milestones"))
                .map_err(|e| ApiError::invalid(format!("形象进度节点:{e}")))?,
            status,
            closing_note: text("closing_note"),
            synthetic: false,
        },
        text("version").parse().unwrap_or(0),
    ))
}

async fn project_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, "/projects");
    check_form(&c, &who, &form)?;
    let (mut p, version) = form_project(&form).map_err(|e| c.error(e))?;
    if version > 0
        && let Ok(old) = web.app.project(&p.code).await
    {
        // The form does not carry these; keep them as stored.
        p.synthetic = old.item.synthetic;
        p.closing_note = old.item.closing_note.clone();
        for y in &mut p.years {
            if let Some(o) = old.item.year(y.year) {
                y.as_of = o.as_of.filter(|_| o.completed_wan == y.completed_wan);
            }
        }
        for m in &mut p.milestones {
            if let Some(o) = old.item.milestones.iter().find(|o| o.title == m.title) {
                m.evidence = o.evidence.clone();
            }
        }
    }
    let saved = web
        .app
        .save_project(&who.user.login, p, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/projects",
        &format!("已保存重大项目 {}", saved.item.code),
    ))
}

async fn project_close_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(code): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, "/projects");
    check_form(&c, &who, &form)?;
    let status: ProjectStatus = field(&form, "status")
        .unwrap_or_default()
        .parse()
        .map_err(|e: String| c.error(ApiError::invalid(e)))?;
    let version = field(&form, "version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let saved = web
        .app
        .close_project(
            &who.user.login,
            &code,
            status,
            field(&form, "note").unwrap_or_default(),
            version,
        )
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/projects",
        &format!(
            "重大项目 {} 已{}",
            saved.item.code,
            saved.item.status.label_zh()
        ),
    ))
}

async fn projects_import_post(
    State(web): State<Shared>,
    who: PageUser,
    mp: Multipart,
) -> PageResult {
    let c = who.chrome(&web, "/projects");
    let (name, bytes, csrf) = read_upload(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    who.check_csrf(csrf.as_deref()).map_err(|e| c.error(e))?;
    let saved = web
        .app
        .import_projects(&who.user.login, &bytes, &name)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/projects",
        &format!("{name}:已导入 {} 个重大项目", saved.len()),
    ))
}

struct ItemRow {
    id: String,
    number: u32,
    name: String,
    lead: String,
    target: String,
    done: String,
    share: String,
    completed_on: String,
    light: &'static str,
    light_text: String,
    formula: String,
    months: String,
    may_edit: bool,
}

#[derive(Template)]
#[template(path = "livelihood.html")]
struct LivelihoodPage {
    c: Chrome,
    title: String,
    year: i32,
    years: Vec<(i32, bool)>,
    at_mid: bool,
    card_title: String,
    rows: Vec<ItemRow>,
    editable: Vec<(String, String)>,
    month: u32,
}

#[derive(Deserialize)]
struct LivelihoodQ {
    year: Option<i32>,
    at: Option<String>,
}

async fn livelihood_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<LivelihoodQ>,
) -> PageResult {
    let c = who.chrome(&web, "/livelihood");
    let today = web.app.today();
    let year = asked_year(q.year.unwrap_or(today.year())).map_err(|e| c.error(e))?;
    let at = card_time(q.at.as_deref()).map_err(|e| c.error(e))?;
    let items = web
        .app
        .livelihood_items(Some(year))
        .await
        .map_err(|e| c.error(e))?;
    let card = web
        .app
        .livelihood_card(year, at)
        .await
        .map_err(|e| c.error(e))?;
    let rows: Vec<ItemRow> = card
        .iter()
        .map(|r| {
            let item = items.iter().find(|i| i.item.number == r.number);
            let unit = &r.unit;
            ItemRow {
                id: format!("{year}-{:02}", r.number),
                number: r.number,
                name: r.name.clone(),
                lead: r.lead_unit.clone(),
                target: format!("{}{unit}", fmt_wan(r.target)),
                done: r
                    .done
                    .map(|d| format!("{}{unit}", fmt_wan(d)))
                    .unwrap_or_else(|| tr(&c, "未报送", "not reported")),
                share: r
                    .share
                    .map(|s| format!("{:.1}%", s * 100.0))
                    .unwrap_or_else(|| "—".into()),
                completed_on: r.completed_on.map(|d| d.to_string()).unwrap_or_default(),
                light: light_str(r.schedule.light),
                light_text: c.light(r.schedule.light),
                formula: if c.en {
                    String::new()
                } else {
                    r.schedule.explanation.formula.clone()
                },
                months: item
                    .map(|i| {
                        i.item
                            .progress
                            .iter()
                            .map(|p| {
                                if c.en {
                                    format!("M{} {}", p.month, fmt_wan(p.done))
                                } else {
                                    format!("{}月 {}", p.month, fmt_wan(p.done))
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(" · ")
                    })
                    .unwrap_or_default(),
                may_edit: youxiang_core::permission::may_write_for_unit(&who.user, &r.lead_unit),
            }
        })
        .collect();
    let editable = rows
        .iter()
        .filter(|r| r.may_edit)
        .map(|r| (r.id.clone(), format!("{} {}", r.number, r.name)))
        .collect();
    let page = LivelihoodPage {
        title: tr(&c, "民生实事", "Livelihood projects of the year"),
        card_title: if c.en {
            format!(
                "{year} {} report card (to the end of month {})",
                at.label_en(),
                at.month()
            )
        } else {
            format!(
                "{year}年民生实事{}报告单(截至{}月末)",
                at.label_zh(),
                at.month()
            )
        },
        years: (2024..=today.year() + 1).map(|y| (y, y == year)).collect(),
        year,
        at_mid: at == CardTime::MidYear,
        rows,
        editable,
        month: if year == today.year() {
            today.month()
        } else {
            12
        },
        c,
    };
    Ok(render(&page))
}

async fn livelihood_report_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, "/livelihood");
    check_form(&c, &who, &form)?;
    let text = |k: &str| field(&form, k).unwrap_or_default().trim().to_string();
    let id = text("id");
    let month: u32 = text("month")
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| c.error(ApiError::invalid("月份应为 1–12")))?;
    let done: f64 = text("done").parse().map_err(|_| {
        c.error(ApiError::invalid(format!(
            "累计完成“{}”应为数字",
            text("done")
        )))
    })?;
    let completed_on = match text("completed_on").as_str() {
        "" => None,
        t => Some(crate::text::parse_date(t, "完成日期").map_err(|e| c.error(e))?),
    };
    let saved = web
        .app
        .report_livelihood(
            &who.user.login,
            &id,
            month,
            done,
            &text("note"),
            completed_on,
        )
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/livelihood?year={}", saved.item.year),
        &format!("已填报 {} 的 {month} 月进度", saved.item.name),
    ))
}

// ---- the overview's and the town pages' panels -------------------------------------------

struct PanelProject {
    code: String,
    name: String,
    planned: String,
    completed: String,
    light: &'static str,
    light_text: String,
}

#[derive(Template)]
#[template(path = "_projects_panel.html")]
struct Panels {
    c: Chrome,
    district: bool,
    total: TotalView,
    town_projects: Vec<PanelProject>,
    livelihood_year: i32,
    livelihood: Vec<(String, &'static str, String, String)>,
    livelihood_done: usize,
}

/// The panels the overview (the programme's investment, 民生实事) and a town's page (the
/// projects located in it) show, as HTML; empty when there is nothing to show or the
/// register cannot be read (the page stands without it).
pub async fn overview_panels(web: &Shared, c: &Chrome, place: Option<&str>) -> String {
    let today = web.app.today();
    let year = today.year();
    let district_code = web.app.read().plan.place.clone();
    let town = place.filter(|p| *p != district_code).map(str::to_string);
    let app = &web.app;
    let summary = match &town {
        None => app.project_summary(year, |_| true).await,
        Some(t) => {
            app.project_summary(year, |p| {
                p.place.as_deref().is_some_and(|pl| app.place_within(pl, t))
            })
            .await
        }
    };
    let Ok(summary) = summary else {
        return String::new();
    };
    let bands = app.light_bands();
    let town_projects = match &town {
        Some(t) => app
            .projects()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|p| {
                p.item
                    .place
                    .as_deref()
                    .is_some_and(|pl| app.place_within(pl, t))
            })
            .map(|v| {
                let p = v.item;
                let s = p.year_schedule(year, today, &bands);
                let y = p.year(year);
                PanelProject {
                    planned: y.map(|y| wan(c, y.planned_wan)).unwrap_or("—".into()),
                    completed: y
                        .and_then(|y| y.completed_wan)
                        .map(|v| wan(c, v))
                        .unwrap_or_else(|| tr(c, "未报送", "not reported")),
                    light: s.as_ref().map_or("none", |s| light_str(s.light)),
                    light_text: s.as_ref().map(|s| c.light(s.light)).unwrap_or_else(|| {
                        if c.en {
                            p.status.label_en().into()
                        } else {
                            p.status.label_zh().into()
                        }
                    }),
                    code: p.code,
                    name: p.name,
                }
            })
            .collect(),
        None => Vec::new(),
    };
    if town.is_some() && town_projects.is_empty() {
        return String::new();
    }
    let items = if town.is_none() {
        app.livelihood_items(Some(year)).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let month = today.month().saturating_sub(1).max(1);
    let livelihood = items
        .iter()
        .map(|i| {
            let s = i.item.schedule_at(month, &bands);
            let done = i
                .item
                .done_by(month)
                .map(|d| format!("{}/{}{}", fmt_wan(d), fmt_wan(i.item.target), i.item.unit))
                .unwrap_or_else(|| tr(c, "未报送", "not reported"));
            (
                i.item.name.clone(),
                light_str(s.light),
                c.light(s.light),
                done,
            )
        })
        .collect();
    let panels = Panels {
        c: c.clone(),
        district: town.is_none(),
        total: total_view(c, &summary),
        town_projects,
        livelihood_year: year,
        livelihood_done: items
            .iter()
            .filter(|i| i.item.completed_on.is_some())
            .count(),
        livelihood,
    };
    panels.render().unwrap_or_default()
}
