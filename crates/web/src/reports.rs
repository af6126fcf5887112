//! 季分析: the quarterly analysis as HTML, PDF or docx (`GET
//! /api/v1/reports/quarterly/{quarter}`, the page `/reports` and its download), and the
//! causes and measures of lagging indicators it quotes (`/api/v1/lag-notes`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::{LagNote, ReportFormat};
use youxiang_core::period::{Period, PeriodKind};

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, L, PageResult, render};
use crate::ranking::default_month;
use crate::text::parse_period;

#[derive(OpenApi)]
#[openapi(
    paths(api_quarterly, api_lag_notes, api_lag_note_save),
    components(schemas(LagNoteOut, LagNoteIn))
)]
pub struct ReportsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/reports/quarterly/{quarter}", get(api_quarterly))
        .route(
            "/api/v1/lag-notes",
            get(api_lag_notes).post(api_lag_note_save),
        )
        .route("/reports", get(reports_page))
        .route("/reports/download", get(reports_download))
}

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

/// The report format asked for (`html` when absent or empty).
pub(crate) fn report_format(format: Option<&str>) -> ApiResult<ReportFormat> {
    format
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .unwrap_or("html")
        .parse()
        .map_err(ApiError::invalid)
}

/// A rendered report as a response: HTML shown inline under [`REPORT_CSP`], PDF and
/// Word as downloads named `name`.
pub(crate) fn report_response(format: ReportFormat, name: &str, bytes: Vec<u8>) -> Response {
    let html = format == ReportFormat::Html;
    let kind = if html { "inline" } else { "attachment" };
    let mut resp = file_response(format.mime(), kind, name, bytes);
    if html {
        resp.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(REPORT_CSP),
        );
    }
    resp
}

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
    // A quarter outside the plan's years has no report (404, as status and the map
    // answer a year outside the plan).
    let years = web.app.read().plan.target_years.clone();
    if !years.contains(&q.year()) {
        return Err(ApiError::NotFound(format!(
            "{} 年不是方案目标年份({years:?}),没有这一季度的报告",
            q.year()
        )));
    }
    let format = report_format(format)?;
    let bytes = web
        .app
        .quarterly_report_file(&who.user.login, q, web.app.today(), format)
        .await?;
    Ok(report_response(
        format,
        &format!("季分析-{q}.{}", format.extension()),
        bytes,
    ))
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
        (status = 404, description = "这一季度的年份不是方案目标年份", body = ErrorBody),
        (status = 422, description = "季度或格式无效;或没有中文字体(消息中写明要安装的软件包)", body = ErrorBody),
    ))]
async fn api_quarterly(
    State(web): State<Shared>,
    who: Authed,
    Path(quarter): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    quarterly_file(&web, &who, &quarter, q.format.as_deref()).await
}

// ---------------------------------------------------------------------------------------
// Causes and measures

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LagQuery {
    /// A quarter `2025Q3` or a month; all when absent or empty.
    #[param(pattern = r"^([0-9]{4}(Q[1-4]|-(0[1-9]|1[0-2])))?$")]
    pub period: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/lag-notes", tag = "manage", params(LagQuery),
    responses(
        (status = 200, description = "滞后指标的原因和措施", body = Vec<LagNoteOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "期间无效", body = ErrorBody),
    ))]
async fn api_lag_notes(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<LagQuery>,
) -> ApiResult<Json<Vec<LagNoteOut>>> {
    let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(parse_period(p)?),
        None => None,
    };
    let notes = web.app.lag_notes(period).await?;
    Ok(Json(notes.into_iter().map(LagNoteOut::from).collect()))
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
        (status = 200, description = "已保存", body = LagNoteOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "不在你的范围内,或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "指标或地点不存在", body = ErrorBody),
        (status = 422, description = "内容无效", body = ErrorBody),
    ))]
async fn api_lag_note_save(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(b): JsonBody<LagNoteIn>,
) -> ApiResult<Json<LagNoteOut>> {
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
    Ok(Json(note.into()))
}

/// A unit's cause and measures for an indicator that lags (mirrors `youxiang_app::LagNote`).
#[derive(Debug, Serialize, ToSchema)]
pub struct LagNoteOut {
    pub indicator: String,
    pub place: String,
    /// The period it answers for: a quarter (`2025Q3`) or a month.
    pub period: String,
    pub unit: String,
    pub cause: String,
    pub measure: String,
    /// UTC.
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    pub by: String,
}

impl From<LagNote> for LagNoteOut {
    fn from(n: LagNote) -> Self {
        let LagNote {
            indicator,
            place,
            period,
            unit,
            cause,
            measure,
            at,
            by,
        } = n;
        LagNoteOut {
            indicator,
            place,
            period: period.to_string(),
            unit,
            cause,
            measure,
            at,
            by,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The pages

#[derive(Template)]
#[template(path = "manage_reports.html")]
struct ReportsPage {
    c: Chrome,
    l: L,
    title: String,
    quarters: Vec<(String, String)>,
    selected: String,
}

async fn reports_page(State(web): State<Shared>, who: PageUser) -> PageResult {
    let c = who.chrome(&web, "/reports");
    let latest = default_month(&web);
    let selected = Period::containing(PeriodKind::Quarter, latest.end())
        .map(|p| p.to_string())
        .unwrap_or_default();
    let mut quarters = Vec::new();
    let mut p = Period::containing(PeriodKind::Quarter, web.app.today()).ok();
    for _ in 0..12 {
        let Some(q) = p else { break };
        quarters.push((q.to_string(), crate::text::period_label(&q, c.en)));
        p = q.pred();
    }
    let l = c.labels();
    Ok(render(&ReportsPage {
        title: l.t("reports").into(),
        quarters,
        selected,
        l,
        c,
    }))
}

async fn reports_download(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/reports");
    let quarter = q.get("quarter").cloned().unwrap_or_default();
    quarterly_file(&web, &who, &quarter, q.get("format").map(String::as_str))
        .await
        .map_err(|e| c.error(e))
}
