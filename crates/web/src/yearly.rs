//! 年度监测评估报告 (and the mid-term one) beside the quarterly report: `GET
//! /api/v1/reports/yearly/{year}` (HTML, PDF or Word), next year's measures each lead unit
//! enters (`GET|PUT /api/v1/reports/yearly/{year}/measures`), and the page
//! `/reports/yearly` with the downloads, the measures as entered (未填报 where missing) and
//! the form of each unit the reader may fill in (CSRF-checked; the office fills any).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::yearly::{MEASURES_MAX_CHARS, MeasuresEntry};
use youxiang_core::china_time::show_minute;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};
use crate::reports::{report_format, report_response};

#[derive(OpenApi)]
#[openapi(
    paths(api_yearly, api_measures, api_measures_save),
    components(schemas(YearMeasuresOut, UnitMeasuresOut, UnitMeasuresIn))
)]
pub struct YearlyDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/reports/yearly/{year}", get(api_yearly))
        .route(
            "/api/v1/reports/yearly/{year}/measures",
            get(api_measures).put(api_measures_save),
        )
        .route("/reports/yearly", get(yearly_page))
        .route("/reports/yearly/download", get(yearly_download))
        .route("/reports/yearly/measures", post(measures_post))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearlyQuery {
    /// `html` (default, also when empty), `pdf` or `docx`.
    #[param(pattern = "^(html|pdf|docx)?$")]
    pub format: Option<String>,
    /// `true`: the mid-term evaluation report (中期评估报告) of the year.
    pub midterm: Option<bool>,
}

/// The year of a path: four digits, else 404 (a year the plan does not know is 404 too).
fn year_of(text: &str) -> Result<i32, ApiError> {
    let t = text.trim();
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse()
            .map_err(|_| ApiError::NotFound(format!("{t}年的年度报告")))
    } else {
        Err(ApiError::NotFound(format!(
            "年度报告“{t}”(年份应为4位数字,如 2024)"
        )))
    }
}

async fn yearly_file(
    web: &Shared,
    who: &Authed,
    year: i32,
    midterm: bool,
    format: Option<&str>,
) -> ApiResult<Response> {
    let format = report_format(format)?;
    let bytes = web
        .app
        .yearly_report_file(&who.user.login, year, midterm, web.app.today(), format)
        .await?;
    let kind = if midterm {
        "中期评估报告"
    } else {
        "年度监测评估报告"
    };
    let name = format!("{kind}-{year}.{}", format.extension());
    Ok(report_response(format, &name, bytes))
}

#[utoipa::path(get, path = "/api/v1/reports/yearly/{year}", tag = "manage",
    params(("year" = String, Path, description = "2024", pattern = r"^[0-9]{4}$"), YearlyQuery),
    responses(
        (status = 200, description = "年度监测评估报告(文件名 年度监测评估报告-2024.pdf 等;midterm=true 为中期评估报告)", content(
            (String = "text/html"),
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        )),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "方案的目标年份中没有这一年,或这一年尚未开始", body = ErrorBody),
        (status = 422, description = "格式无效;或没有中文字体(消息中写明要安装的软件包)", body = ErrorBody),
    ))]
async fn api_yearly(
    State(web): State<Shared>,
    who: Authed,
    Path(year): Path<String>,
    ApiQuery(q): ApiQuery<YearlyQuery>,
) -> ApiResult<Response> {
    let year = year_of(&year)?;
    yearly_file(
        &web,
        &who,
        year,
        q.midterm.unwrap_or(false),
        q.format.as_deref(),
    )
    .await
}

/// Next year's measures of every lead unit (mirrors `youxiang_app::yearly::MeasuresEntry`).
#[derive(Debug, Serialize, ToSchema)]
pub struct YearMeasuresOut {
    /// The year evaluated; the measures are for the year after.
    pub year: i32,
    /// The last day to enter them (Beijing).
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    pub units: Vec<UnitMeasuresOut>,
}

/// One lead unit's measures; `text` null: 未填报.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitMeasuresOut {
    pub unit: String,
    /// What the unit leads, in words.
    pub leads: String,
    pub text: Option<String>,
    /// The version a change must quote; null before the first entry.
    pub version: Option<i64>,
    /// UTC.
    #[schema(value_type = Option<String>)]
    pub entered_at: Option<NaiveDateTime>,
    pub entered_by: Option<String>,
    /// Entered after the deadline.
    pub late: bool,
    /// Whether the signed-in user may fill it in.
    pub may_edit: bool,
}

impl From<MeasuresEntry> for UnitMeasuresOut {
    fn from(e: MeasuresEntry) -> Self {
        UnitMeasuresOut {
            unit: e.unit,
            leads: e.leads,
            text: e.text,
            version: e.version,
            entered_at: e.entered_at,
            entered_by: e.entered_by,
            late: e.late,
            may_edit: e.may_edit,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/reports/yearly/{year}/measures", tag = "manage",
    params(("year" = String, Path, description = "2024", pattern = r"^[0-9]{4}$")),
    responses(
        (status = 200, description = "各牵头单位的下一年度细化措施", body = YearMeasuresOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "方案的目标年份中没有这一年,或这一年尚未开始", body = ErrorBody),
    ))]
async fn api_measures(
    State(web): State<Shared>,
    who: Authed,
    Path(year): Path<String>,
) -> ApiResult<Json<YearMeasuresOut>> {
    let year = year_of(&year)?;
    let (deadline, units) = web.app.year_measures(&who.user.login, year).await?;
    Ok(Json(YearMeasuresOut {
        year,
        deadline,
        units: units.into_iter().map(UnitMeasuresOut::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UnitMeasuresIn {
    /// The lead unit, e.g. `区卫健局`.
    #[schema(min_length = 1, pattern = r"\S")]
    pub unit: String,
    #[schema(min_length = 1, max_length = 4000, pattern = r"\S")]
    pub text: String,
    /// The version read; absent for the first entry.
    #[serde(default)]
    pub version: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/reports/yearly/{year}/measures", tag = "manage",
    request_body = UnitMeasuresIn,
    params(("year" = String, Path, description = "2024", pattern = r"^[0-9]{4}$"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已保存(截止日期后填报的记为逾期)", body = UnitMeasuresOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "只能填报本单位的措施(工作专班可填报全部),或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "没有这一年,或该单位在方案中不牵头任何领域或指标", body = ErrorBody),
        (status = 409, description = "他人已先修改(版本不符),请重新读取", body = ErrorBody),
        (status = 422, description = "内容无效", body = ErrorBody),
    ))]
async fn api_measures_save(
    State(web): State<Shared>,
    who: Writer,
    Path(year): Path<String>,
    JsonBody(b): JsonBody<UnitMeasuresIn>,
) -> ApiResult<Json<UnitMeasuresOut>> {
    let year = year_of(&year)?;
    let e = web
        .app
        .save_year_measures(&who.user.login, year, &b.unit, &b.text, b.version)
        .await?;
    Ok(Json(e.into()))
}

// ---------------------------------------------------------------------------------------
// The page

struct MeasuresRow {
    unit: String,
    leads: String,
    text: String,
    missing: bool,
    when: String,
    late: bool,
    may_edit: bool,
    version: String,
}

#[derive(Template)]
#[template(path = "yearly_reports.html")]
struct YearlyPage {
    c: Chrome,
    title: String,
    /// Each year with whether its mid-term report is offered.
    years: Vec<(i32, bool)>,
    year: i32,
    deadline: String,
    rows: Vec<MeasuresRow>,
    filled: usize,
    max: usize,
    ok: String,
    l: Vec<&'static str>,
}

fn labels(c: &Chrome) -> Vec<&'static str> {
    let t = |zh: &'static str, en: &'static str| if c.en { en } else { zh };
    vec![
        t("年度监测评估报告", "Yearly evaluation report"), // 0
        t("年度", "Year"),                                 // 1
        t("预览", "Preview"),                              // 2
        t("中期评估报告", "Mid-term evaluation report"),   // 3
        t("下一年度细化措施", "Next year's measures"),     // 4
        t("牵头单位", "Lead unit"),                        // 5
        t("牵头范围", "Leads"),                            // 6
        t("细化措施", "Measures"),                         // 7
        t("填报时间", "Entered"),                          // 8
        t("未填报", "Not entered"),                        // 9
        t("逾期", "late"),                                 // 10
        t("保存", "Save"),                                 // 11
        t("填报截止", "Deadline"),                         // 12
        t("字以内", "characters at most"),                 // 13
        t("已填报", "Entered"),                            // 14
        t("季分析", "Quarterly analysis"),                 // 15
        t(
            "按年度总结方案实施情况:各领域指标和重点任务目标的年度结果、迈向期末目标的进展、重点任务与重大项目、未达标原因,以及各牵头单位填报的下一年度细化措施。",
            "The year's results of every indicator and key-task target, the progress toward the final year, key tasks and projects, the causes of misses, and each lead unit's measures for next year.",
        ), // 16
        t("个单位", "units"),                              // 17
    ]
}

#[derive(Deserialize)]
struct PageQ {
    year: Option<String>,
    ok: Option<String>,
}

async fn yearly_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQ>,
) -> PageResult {
    let c = who.chrome(&web, "/reports/yearly");
    let years = web.app.report_years();
    let Some(&latest) = years.first() else {
        return Err(c.error(ApiError::NotFound("可生成年度报告的年份".into())));
    };
    // The last year that has ended, else the current one.
    let today = web.app.today();
    let default = years
        .iter()
        .copied()
        .find(|y| NaiveDate::from_ymd_opt(*y, 12, 31).is_some_and(|d| d < today))
        .unwrap_or(latest);
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => year_of(y).map_err(|e| c.error(e))?,
        None => default,
    };
    let (deadline, entries) = web
        .app
        .year_measures(&who.user.login, year)
        .await
        .map_err(|e| c.error(e))?;
    let filled = entries.iter().filter(|e| e.text.is_some()).count();
    let rows = entries
        .into_iter()
        .map(|e| MeasuresRow {
            missing: e.text.is_none(),
            text: e.text.unwrap_or_default(),
            when: e.entered_at.map(show_minute).unwrap_or_default(),
            version: e.version.map(|v| v.to_string()).unwrap_or_default(),
            unit: e.unit,
            leads: if c.en { e.leads_en } else { e.leads },
            late: e.late,
            may_edit: e.may_edit,
        })
        .collect();
    let midterm_year = {
        let plan = web.app.read().plan.clone();
        let mut ys = plan.target_years.clone();
        ys.sort_unstable();
        ys.get(ys.len().saturating_sub(1) / 2)
            .copied()
            .filter(|y| years.contains(y))
    };
    let l = labels(&c);
    Ok(render(&YearlyPage {
        title: l[0].into(),
        years: years
            .iter()
            .map(|y| (*y, midterm_year == Some(*y)))
            .collect(),
        year,
        deadline: deadline.format("%Y-%m-%d").to_string(),
        rows,
        filled,
        max: MEASURES_MAX_CHARS,
        ok: q.ok.unwrap_or_default(),
        l,
        c,
    }))
}

async fn yearly_download(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/reports/yearly");
    let year = year_of(q.get("year").map(String::as_str).unwrap_or("")).map_err(|e| c.error(e))?;
    let midterm = q.get("midterm").is_some_and(|m| m == "true");
    yearly_file(
        &web,
        &who,
        year,
        midterm,
        q.get("format").map(String::as_str),
    )
    .await
    .map_err(|e| c.error(e))
}

async fn measures_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, "/reports/yearly");
    check_form(&c, &who, &form)?;
    let year = year_of(field(&form, "year").unwrap_or("")).map_err(|e| c.error(e))?;
    let unit = field(&form, "unit").unwrap_or("").trim().to_string();
    let text = field(&form, "text").unwrap_or("");
    let version = match field(&form, "version")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| c.error(ApiError::invalid(format!("版本“{v}”无效"))))?,
        ),
        None => None,
    };
    web.app
        .save_year_measures(&who.user.login, year, &unit, text, version)
        .await
        .map_err(|e| c.error(e))?;
    let msg = if c.en {
        format!("Saved the measures of {unit}")
    } else {
        format!("已保存{unit}的{}年细化措施", year + 1)
    };
    Ok(back_to(&format!("/reports/yearly?year={year}"), &msg))
}
