//! 方案调整 — revising a target of the plan: `POST /api/v1/plan/revisions` (the office
//! only, CSRF-checked), `GET /api/v1/plan/revisions` (every revision with reason,
//! document, who and when), and the indicator page's form (`POST /indicator/{code}/revise`)
//! and list. The app stores each revision as a new plan version, audited; the engine keeps
//! the target then in force for a year that ended before the revision.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::revisions::{TargetRevisionEntry, TargetRevisionInput, revision_entries};

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Fields, PageResult, back_to, check_form, field};

#[derive(OpenApi)]
#[openapi(
    paths(api_revise, api_revisions),
    components(schemas(RevisionIn, RevisionEntryOut, RevisedOut))
)]
pub struct RevisionsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v1/plan/revisions",
            get(api_revisions).post(api_revise),
        )
        .route("/indicator/{code}/revise", post(revise_post))
}

/// A revision of one target (方案调整).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionIn {
    /// The indicator's code (`K1.1a`, `T01`).
    pub indicator: String,
    /// The target year revised.
    pub year: i32,
    /// The new target exactly as the revision document writes it (`≥92%`, `全覆盖`).
    pub text: String,
    /// Why (调整原因).
    pub reason: String,
    /// The deciding document (文号).
    pub document: String,
    /// From when it applies (`YYYY-MM-DD`); today (Beijing) when absent.
    pub date: Option<String>,
}

/// One revision of a target.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionEntryOut {
    /// The plan version it made.
    pub version: u32,
    pub indicator: String,
    pub year: i32,
    /// 原目标: the text before.
    pub old: String,
    pub new: String,
    /// From this day (`YYYY-MM-DD`) the new target applies.
    pub date: String,
    pub reason: String,
    pub document: String,
    /// Who recorded it (login).
    pub by: String,
}

impl From<TargetRevisionEntry> for RevisionEntryOut {
    fn from(e: TargetRevisionEntry) -> Self {
        RevisionEntryOut {
            version: e.version,
            indicator: e.indicator,
            year: e.year,
            old: e.old,
            new: e.new,
            date: e.date,
            reason: e.reason,
            document: e.document,
            by: e.by,
        }
    }
}

/// What a revision made.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisedOut {
    /// The plan's new version.
    pub version: u32,
    pub revision: RevisionEntryOut,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionsQuery {
    /// Only this indicator's revisions.
    pub indicator: Option<String>,
}

fn parse_date(text: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::invalid(format!("调整日期(date)“{t}”应写为 2025-03-01"))),
    }
}

#[utoipa::path(post, path = "/api/v1/plan/revisions", tag = "plan", request_body = RevisionIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已调整:方案存为新版本(原目标保留在历史中,已审计)", body = RevisedOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "只有工作专班可以调整方案目标,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "指标不存在", body = ErrorBody),
        (status = 422, description = "目标、年份、日期、原因或文号无效", body = ErrorBody),
    ))]
async fn api_revise(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<RevisionIn>,
) -> ApiResult<Json<RevisedOut>> {
    let input = TargetRevisionInput {
        indicator: body.indicator.trim().to_string(),
        year: body.year,
        text: body.text.clone(),
        reason: body.reason.clone(),
        document: body.document.clone(),
        date: parse_date(body.date.as_deref())?,
    };
    let version = web.app.revise_target(&who.user.login, &input).await?;
    let revision = web
        .app
        .target_revisions(&input.indicator)
        .into_iter()
        .find(|r| r.version == version)
        .ok_or_else(|| ApiError::Internal("调整后的版本未找到".into()))?;
    Ok(Json(RevisedOut {
        version,
        revision: revision.into(),
    }))
}

#[utoipa::path(get, path = "/api/v1/plan/revisions", tag = "plan", params(RevisionsQuery),
    responses(
        (status = 200, description = "方案调整记录:每次调整的指标、年份、原目标、新目标、日期、原因、文号、操作人", body = Vec<RevisionEntryOut>),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_revisions(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<RevisionsQuery>,
) -> Json<Vec<RevisionEntryOut>> {
    let plan = web.app.read().plan.clone();
    Json(
        revision_entries(&plan, q.indicator.as_deref())
            .into_iter()
            .map(RevisionEntryOut::from)
            .collect(),
    )
}

async fn revise_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(code): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let back = format!("/indicator/{code}");
    let c = who.chrome(&web, &back);
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let year = get("year");
    let year: i32 = year.parse().map_err(|_| {
        c.error(ApiError::invalid(format!(
            "年度“{year}”不是年份(应为 2026)"
        )))
    })?;
    let input = TargetRevisionInput {
        indicator: code.clone(),
        year,
        text: get("text"),
        reason: get("reason"),
        document: get("document"),
        date: parse_date(Some(&get("date"))).map_err(|e| c.error(e))?,
    };
    // A refusal is the error page with every problem listed (nothing was stored).
    let version = web
        .app
        .revise_target(&who.user.login, &input)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &back,
        &if c.en {
            format!("Target {year} revised: plan version {version}")
        } else {
            format!("已调整 {year} 年目标:方案第 {version} 版")
        },
    ))
}

/// The indicator page's 方案调整 section: the revisions of its targets and, for the
/// office, the form.
pub struct RevisionSection {
    pub rows: Vec<TargetRevisionEntry>,
    pub may_revise: bool,
    pub years: Vec<i32>,
}

pub fn section(state: &youxiang_app::State, who: &Authed, code: &str) -> RevisionSection {
    RevisionSection {
        rows: revision_entries(&state.plan, Some(code)),
        may_revise: youxiang_core::permission::may_revise_plan(&who.user),
        years: state.plan.target_years.clone(),
    }
}
