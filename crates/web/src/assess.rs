//! 考核评价: `GET /api/v1/assess` (a year's assessment of departments or towns, each
//! unit's items explained, the scheme printed with it), its Excel file, `POST
//! /api/v1/assess/publish` (the office; a new version, never changed), `GET
//! /api/v1/assess/versions`, and the page `/assess`. The office and the viewers see every
//! unit; a unit sees its own row. The answer's types mirror core's `Assessment` field for
//! field (converted through serde).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::assess::{PublishedAssessment, assessment_xlsx};
use youxiang_core::china_time::show_minute;
use youxiang_core::eval::explain::fmt_num;
use youxiang_core::manage::RankBy;
use youxiang_core::manage::assess::{Assessment, Grade};

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, L, PageResult, back_to, check_form, field, render};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(OpenApi)]
#[openapi(
    paths(api_assess, api_assess_xlsx, api_assess_publish, api_assess_versions),
    components(schemas(
        AssessmentOut,
        AssessSchemeOut,
        AssessCreditsOut,
        AssessGradesOut,
        AssessSchemeItemOut,
        AssessRowOut,
        AssessItemOut,
        AssessIndicatorOut,
        AssessDeductionOut,
        AssessPublishIn,
        AssessPublishOut,
        AssessVersionOut
    ))
)]
pub struct AssessDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/assess", get(api_assess))
        .route("/api/v1/assess.xlsx", get(api_assess_xlsx))
        .route("/api/v1/assess/publish", post(api_assess_publish))
        .route("/api/v1/assess/versions", get(api_assess_versions))
        .route("/assess", get(assess_page))
        .route("/assess/publish", post(assess_publish_post))
}

// ---------------------------------------------------------------------------------------
// The API's types

/// A year's assessment (考核评价) of departments or towns.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessmentOut {
    pub year: i32,
    /// `department` or `town`.
    pub by: String,
    /// The day the figures stand at (the year's end once it has ended).
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    /// Whether the year had ended (else the result is 截至 `as_of`).
    pub complete: bool,
    pub title_zh: String,
    pub title_en: String,
    /// The scheme in words, printed with every result.
    pub scheme_zh: String,
    pub scheme_en: String,
    /// The scheme as data (items and weights, credits, grade thresholds, deductions).
    pub scheme: AssessSchemeOut,
    /// One row per unit the reader may see (ranked first, then 无数据).
    pub rows: Vec<AssessRowOut>,
}

/// The assessment scheme (考核评价方案), as `assess scheme show` prints it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessSchemeOut {
    /// The most points deducted from one unit in a year.
    pub max_deduction: f64,
    /// Totals equal after rounding to this many decimals share a rank.
    pub tie_decimals: u32,
    pub credits: AssessCreditsOut,
    pub grades: AssessGradesOut,
    pub items: Vec<AssessSchemeItemOut>,
    pub deductions: Vec<AssessDeductionOut>,
}

/// What each indicator result earns (a share of 1).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessCreditsOut {
    pub met: f64,
    pub not_met: f64,
    pub green: f64,
    pub yellow: f64,
    pub red: f64,
    pub no_data: f64,
}

/// The lowest total of each grade (points).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessGradesOut {
    pub excellent: f64,
    pub good: f64,
    pub pass: f64,
}

/// One weighted item of the scheme.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessSchemeItemOut {
    /// `indicators`, `tasks_on_time`, `orders_on_time`, `timeliness`, `survey`.
    pub kind: String,
    /// Points out of 100 before redistribution.
    pub weight: f64,
}

/// One unit's assessment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessRowOut {
    pub unit: String,
    pub rank: Option<u32>,
    /// Total 0–100 points; null when no item applies.
    pub total: Option<f64>,
    /// `excellent` (优秀), `good` (良好), `pass` (合格), `fail` (不合格); null without a total.
    pub grade: Option<String>,
    /// Σ of the items' points.
    pub subtotal: f64,
    /// Points deducted (capped by the scheme).
    pub deducted: f64,
    pub items: Vec<AssessItemOut>,
    pub deductions: Vec<AssessDeductionOut>,
    pub indicators: Vec<AssessIndicatorOut>,
    /// What was said about redistributed weights and capped deductions.
    pub notes: Vec<String>,
}

/// One item as scored, with its inputs and formula.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessItemOut {
    /// `indicators`, `tasks_on_time`, `orders_on_time`, `timeliness`, `survey`.
    pub kind: String,
    /// The scheme's weight (points).
    pub weight: f64,
    /// The weight after redistribution (0 when the item does not apply).
    pub applied_weight: f64,
    /// The item's score 0–100; null = does not apply.
    pub score: Option<f64>,
    /// applied_weight × score ÷ 100.
    pub points: f64,
    /// `[name, value]` in the order used.
    pub inputs: Vec<(String, String)>,
    pub formula: String,
}

/// One indicator's result for the year.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessIndicatorOut {
    pub code: String,
    pub name: String,
    /// `met`, `not_met`, `green`, `yellow`, `red`, `no_data`.
    pub outcome: String,
    pub detail: String,
}

/// A deduction with its reason.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessDeductionOut {
    pub year: i32,
    pub unit: String,
    pub name: String,
    pub points: f64,
    pub reason: String,
}

/// What to publish.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessPublishIn {
    pub year: i32,
    /// `department` or `town`.
    #[schema(pattern = "^(town|department)$")]
    pub by: String,
    /// Why (required for a correction of a published version).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// A published version without its rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessVersionOut {
    pub year: i32,
    pub by: String,
    pub version: u32,
    pub note: String,
    pub published_by: String,
    /// UTC.
    #[schema(value_type = String)]
    pub published_at: NaiveDateTime,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub complete: bool,
}

/// A published version with the assessment as it was published.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessPublishOut {
    pub version: AssessVersionOut,
    pub assessment: AssessmentOut,
}

fn out(a: &Assessment) -> ApiResult<AssessmentOut> {
    let rows = serde_json::to_value(&a.rows)
        .and_then(serde_json::from_value)
        .map_err(|e| ApiError::Internal(format!("考核结果转换失败:{e}")))?;
    Ok(AssessmentOut {
        year: a.year,
        by: a.by.as_str().into(),
        as_of: a.as_of,
        complete: a.complete,
        title_zh: a.title_zh(),
        title_en: a.title_en(),
        scheme_zh: a.scheme.describe_zh(),
        scheme_en: a.scheme.describe_en(),
        scheme: serde_json::to_value(&a.scheme)
            .and_then(serde_json::from_value)
            .map_err(|e| ApiError::Internal(format!("考核方案转换失败:{e}")))?,
        rows,
    })
}

fn version_out(p: &PublishedAssessment) -> AssessVersionOut {
    let s = p.summary();
    AssessVersionOut {
        year: s.year,
        by: s.by.as_str().into(),
        version: s.version,
        note: s.note,
        published_by: s.published_by,
        published_at: s.published_at,
        as_of: s.as_of,
        complete: s.complete,
    }
}

// ---------------------------------------------------------------------------------------
// The API

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessQuery {
    /// The year (default: the last year ended within the plan, else the current one).
    pub year: Option<i32>,
    /// `department` (default when absent or empty) or `town`.
    #[param(pattern = "^(town|department)?$")]
    pub by: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessVersionsQuery {
    pub year: i32,
    /// `department` or `town`; both when absent or empty.
    #[param(pattern = "^(town|department)?$")]
    pub by: Option<String>,
}

fn parse_by(text: Option<&str>) -> ApiResult<Option<RankBy>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<RankBy>().map(Some).map_err(ApiError::invalid),
    }
}

/// The year shown by default: the last one ended among the years assessed, else the
/// current one.
fn default_year(web: &Shared) -> i32 {
    let years = web.app.assess_years();
    let last_ended = web.app.today().year() - 1;
    if years.contains(&last_ended) {
        last_ended
    } else {
        years.last().copied().unwrap_or(last_ended)
    }
}

#[utoipa::path(get, path = "/api/v1/assess", tag = "manage", params(AssessQuery),
    responses(
        (status = 200, description = "年度考核评价:每个单位的总分、名次、等次、逐项得分及其计算过程,考核方案全文(scheme_zh);年度未结束时为截至当日的结果", body = AssessmentOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "年份不在规划期内或尚未开始", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_assess(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<AssessQuery>,
) -> ApiResult<Json<AssessmentOut>> {
    let a = assessment_of(&web, &who, &q).await?;
    Ok(Json(out(&a)?))
}

async fn assessment_of(web: &Shared, who: &Authed, q: &AssessQuery) -> ApiResult<Assessment> {
    let by = parse_by(q.by.as_deref())?.unwrap_or(RankBy::Department);
    let year = q.year.unwrap_or_else(|| default_year(web));
    Ok(web.app.assessment_for(&who.user.login, year, by).await?)
}

#[utoipa::path(get, path = "/api/v1/assess.xlsx", tag = "manage", params(AssessQuery),
    responses(
        (status = 200, description = "年度考核评价 Excel(考核结果、逐项说明、考核方案)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "年份不在规划期内或尚未开始", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_assess_xlsx(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<AssessQuery>,
) -> ApiResult<Response> {
    let a = assessment_of(&web, &who, &q).await?;
    let bytes = assessment_xlsx(&a)?;
    let name = format!("考核评价-{}-{}.xlsx", a.by.label_zh(), a.year);
    Ok(file_response(XLSX, "attachment", &name, bytes))
}

#[utoipa::path(post, path = "/api/v1/assess/publish", tag = "manage", request_body = AssessPublishIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已发布为新版本(此后不再改变)", body = AssessPublishOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅工作专班可发布,或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "年份不在规划期内或尚未开始", body = ErrorBody),
        (status = 409, description = "已发布过:更正须在 note 中写明原因", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_assess_publish(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<AssessPublishIn>,
) -> ApiResult<Json<AssessPublishOut>> {
    let Some(by) = parse_by(Some(&body.by))? else {
        return Err(ApiError::invalid(
            "发布考核评价须写明对象(by:department 或 town)",
        ));
    };
    let p = web
        .app
        .publish_assessment(
            &who.user.login,
            body.year,
            by,
            body.note.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(Json(AssessPublishOut {
        version: version_out(&p),
        assessment: out(&p.assessment)?,
    }))
}

#[utoipa::path(get, path = "/api/v1/assess/versions", tag = "manage", params(AssessVersionsQuery),
    responses(
        (status = 200, description = "一年已发布的考核评价版本(最早的在前)", body = Vec<AssessVersionOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "年份不在 1900–2200 之间", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_assess_versions(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<AssessVersionsQuery>,
) -> ApiResult<Json<Vec<AssessVersionOut>>> {
    let by = parse_by(q.by.as_deref())?;
    let v = web
        .app
        .assessment_versions(&who.user.login, q.year, by)
        .await?;
    Ok(Json(v.iter().map(version_out).collect()))
}

// ---------------------------------------------------------------------------------------
// The page

struct ItemView {
    label: String,
    weight: String,
    score: String,
    formula: String,
    inputs: Vec<(String, String)>,
}

struct RowView {
    rank: String,
    unit: String,
    total: String,
    grade: String,
    grade_class: &'static str,
    deducted: String,
    items: Vec<ItemView>,
    indicators: Vec<(String, String, String)>,
    deductions: Vec<String>,
    notes: Vec<String>,
}

#[derive(Template)]
#[template(path = "manage_assess.html")]
struct AssessPage {
    c: Chrome,
    l: L,
    title: String,
    year: i32,
    years: Vec<i32>,
    by: String,
    rows: Vec<RowView>,
    scheme: String,
    versions: Vec<(String, String, String, String)>,
    office: bool,
    notice: String,
}

fn grade_class(g: Option<Grade>) -> &'static str {
    match g {
        Some(Grade::Excellent) | Some(Grade::Good) => "light-green",
        Some(Grade::Pass) => "light-yellow",
        Some(Grade::Fail) => "light-red",
        None => "light-grey",
    }
}

async fn assess_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/assess");
    let en = c.en;
    let by = parse_by(q.get("by").map(String::as_str))
        .map_err(|e| c.error(e))?
        .unwrap_or(RankBy::Department);
    let year = match q.get("year").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => default_year(&web),
        Some(t) => t.parse::<i32>().map_err(|_| {
            c.error(ApiError::invalid(format!(
                "年份“{t}”无效(应为 2024 这样的年份)"
            )))
        })?,
    };
    let a = web
        .app
        .assessment_for(&who.user.login, year, by)
        .await
        .map_err(|e| c.error(e))?;
    let versions = web
        .app
        .assessment_versions(&who.user.login, year, Some(by))
        .await
        .map_err(|e| c.error(e))?;
    let pts = |v: f64| {
        if en {
            format!("{v:.2} points")
        } else {
            format!("{v:.2} 分")
        }
    };
    let rows = a
        .rows
        .iter()
        .map(|row| RowView {
            rank: row
                .rank
                .map(|k| k.to_string())
                .unwrap_or_else(|| "—".into()),
            unit: row.unit.clone(),
            total: row
                .total
                .map(pts)
                .unwrap_or_else(|| if en { "no data" } else { "无数据" }.into()),
            grade: row
                .grade
                .map(|g| if en { g.label_en() } else { g.label_zh() })
                .unwrap_or("—")
                .into(),
            grade_class: grade_class(row.grade),
            deducted: pts(row.deducted),
            items: row
                .items
                .iter()
                .map(|x| ItemView {
                    label: if en {
                        x.kind.label_en()
                    } else {
                        x.kind.label_zh()
                    }
                    .into(),
                    // The weight applied; the scheme's when the item does not apply.
                    weight: pts(if x.score.is_some() {
                        x.applied_weight
                    } else {
                        x.weight
                    }),
                    score: match x.score {
                        Some(_) => pts(x.points),
                        None => if en { "not applicable" } else { "不适用" }.into(),
                    },
                    formula: x.formula.clone(),
                    inputs: x.inputs.clone(),
                })
                .collect(),
            indicators: row
                .indicators
                .iter()
                .map(|i| {
                    (
                        format!("{} {}", i.code, i.name),
                        if en {
                            i.outcome.label_en()
                        } else {
                            i.outcome.label_zh()
                        }
                        .into(),
                        i.detail.clone(),
                    )
                })
                .collect(),
            deductions: row
                .deductions
                .iter()
                .map(|d| {
                    if en {
                        format!("{}: −{} points ({})", d.name, fmt_num(d.points), d.reason)
                    } else {
                        format!("{}:扣 {} 分({})", d.name, fmt_num(d.points), d.reason)
                    }
                })
                .collect(),
            notes: row.notes.clone(),
        })
        .collect();
    let versions = versions
        .iter()
        .map(|p| {
            (
                if en {
                    format!("Version {}", p.version)
                } else {
                    format!("第 {} 版", p.version)
                },
                show_minute(p.published_at),
                p.published_by.clone(),
                p.note.clone(),
            )
        })
        .collect();
    let l = c.labels();
    Ok(render(&AssessPage {
        title: if en { a.title_en() } else { a.title_zh() },
        year,
        years: web.app.assess_years(),
        by: by.as_str().into(),
        rows,
        scheme: if en {
            a.scheme.describe_en()
        } else {
            a.scheme.describe_zh()
        },
        versions,
        office: who.user.role.is_office(),
        notice: q.get("ok").cloned().unwrap_or_default(),
        l,
        c,
    }))
}

async fn assess_publish_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    check_form(&who.chrome(&web, "/assess"), &who, &form)?;
    let c = who.chrome(&web, "/assess");
    let by = parse_by(field(&form, "by"))
        .map_err(|e| c.error(e))?
        .unwrap_or(RankBy::Department);
    let year_text = field(&form, "year").unwrap_or("");
    let year = year_text
        .trim()
        .parse::<i32>()
        .map_err(|_| c.error(ApiError::invalid(format!("年份“{year_text}”无效"))))?;
    let note = field(&form, "note").unwrap_or("");
    let p = web
        .app
        .publish_assessment(&who.user.login, year, by, note)
        .await
        .map_err(|e| c.error(e))?;
    let msg = if c.en {
        format!("Published as version {}", p.version)
    } else {
        format!("已发布第 {} 版", p.version)
    };
    Ok(back_to(
        &format!("/assess?year={year}&by={}", by.as_str()),
        &msg,
    ))
}
