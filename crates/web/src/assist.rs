//! 弱有众扶 — the register of households in difficulty (issue 16 points 1–2):
//! `GET /api/v1/assist/households` (masked, place-scoped, filters), `GET|PUT
//! /api/v1/assist/households/{id}`, `POST …/{id}/reveal` (whole, with a reason, audited),
//! `GET …/{id}/check` (every clause with its inputs), `GET
//! /api/v1/assist/households.csv` (masked; whole with `whole=REASON` and the export right),
//! `GET /api/v1/assist/standards`, `POST /api/v1/assist/standards/preview` and `POST
//! /api/v1/assist/standards`; the pages `/assist` (list), `/assist/{id}` (household, its
//! check, the reveal and status forms), `/assist/new` (add and edit) and
//! `/assist/standards` (standards, preview, apply).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::assist::warnings::MedicalCosts;
use youxiang_app::assist::{HouseholdEntry, HouseholdFilter};
use youxiang_core::assist::register::{
    Category, Consent, Household, HouseholdStatus, MemberInfo, Personal, PersonalMember,
};
use youxiang_core::assist::rules::{Check, Standard, yuan};
use youxiang_core::labels::Labelled;
use youxiang_core::place::Level;

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};
use crate::text::labels;

#[derive(OpenApi)]
#[openapi(
    paths(
        api_households,
        api_household,
        api_put_household,
        api_reveal,
        api_check,
        api_households_csv,
        api_standards,
        api_standard_preview,
        api_standard_apply,
        api_medical,
        api_medical_add
    ),
    components(schemas(AssistRevealIn, AssistStandardIn, AssistMedicalIn))
)]
pub struct AssistDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/assist/households", get(api_households))
        .route("/api/v1/assist/households.csv", get(api_households_csv))
        .route(
            "/api/v1/assist/households/{id}",
            get(api_household).put(api_put_household),
        )
        .route("/api/v1/assist/households/{id}/reveal", post(api_reveal))
        .route("/api/v1/assist/households/{id}/check", get(api_check))
        .route(
            "/api/v1/assist/households/{id}/medical",
            get(api_medical).post(api_medical_add),
        )
        .route(
            "/api/v1/assist/standards",
            get(api_standards).post(api_standard_apply),
        )
        .route(
            "/api/v1/assist/standards/preview",
            post(api_standard_preview),
        )
        .route("/assist", get(list_page))
        .route("/assist/new", get(form_page).post(form_post))
        .route(
            "/assist/standards",
            get(standards_page).post(standards_post),
        )
        .route("/assist/{id}", get(household_page))
        .route("/assist/{id}/reveal", post(reveal_post))
        .route("/assist/{id}/status", post(status_post))
        .route("/assist/{id}/medical", post(medical_post))
}

/// The list's filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssistQuery {
    /// A place's code: households at it or below it; an unknown one answers 404.
    pub place: Option<String>,
    /// A category's code or Chinese name (`dibao`, 特困供养 …); an unknown one answers 404.
    pub category: Option<String>,
    /// `applying`, `active`, `suspended` or `exited`; an unknown one answers 404.
    pub status: Option<String>,
}

/// The CSV's filters and the whole export's reason.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssistCsvQuery {
    pub place: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    /// The reason for a whole (unmasked) export: only with the export right; audited.
    pub whole: Option<String>,
}

/// The check's day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssistCheckQuery {
    /// The day to judge on (default today), e.g. 2025-10-15.
    #[param(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
}

/// Why the personal data is to be seen whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistRevealIn {
    /// At least four characters; kept in the audit trail.
    pub reason: String,
}

/// One medical cost of a household.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistMedicalIn {
    /// 元, more than 0 and at most 10,000,000.
    pub amount: f64,
    /// The day it was paid (not after today).
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// A note (health data: sealed, masked as `***` unless revealed); at most 500 characters.
    #[serde(default)]
    pub note: String,
}

/// A 低保 standard to preview or set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistStandardIn {
    /// The place's code.
    pub place: String,
    /// In force from.
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// 低保标准, 元 per head and year.
    pub dibao_year: f64,
    /// 低保边缘 multiple (default 1.5).
    #[serde(default)]
    pub edge_factor: Option<f64>,
    /// 特困供养 multiple (default 1.3).
    #[serde(default)]
    pub tekun_factor: Option<f64>,
    #[serde(default)]
    pub source: String,
    /// To apply: the standards' version read (0 for the plan's defaults).
    #[serde(default)]
    pub version: Option<i64>,
}

impl AssistStandardIn {
    fn standard(&self) -> Standard {
        Standard {
            place: self.place.trim().to_string(),
            from: self.from,
            dibao_year: self.dibao_year,
            edge_factor: self.edge_factor.unwrap_or(1.5),
            tekun_factor: self.tekun_factor.unwrap_or(1.3),
            source: self.source.clone(),
        }
    }
}

fn parse_opt<T: std::str::FromStr>(text: Option<&str>, what: &str) -> Result<Option<T>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t
            .parse::<T>()
            .map(Some)
            .map_err(|_| ApiError::NotFound(format!("{what}“{t}”"))),
    }
}

fn filter_of(
    place: Option<&str>,
    category: Option<&str>,
    status: Option<&str>,
) -> Result<HouseholdFilter, ApiError> {
    Ok(HouseholdFilter {
        place: place
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from),
        category: parse_opt::<Category>(category, "困难类别")?,
        status: parse_opt::<HouseholdStatus>(status, "救助状态")?,
    })
}

fn entry_json(e: &HouseholdEntry) -> serde_json::Value {
    serde_json::to_value(e).unwrap_or_default()
}

#[utoipa::path(get, path = "/api/v1/assist/households", tag = "assist", params(AssistQuery),
    responses(
        (status = 200, description = "本人辖区的困难家庭(个人信息脱敏):{households: [{id, place, categories, income_year, assets, needs, status, history, consent, members, personal: {address, members: [{name, id_number, phone, health}]}, demo, version, key}]}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这个地点、类别或状态", body = ErrorBody),
    ))]
async fn api_households(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<AssistQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let filter = filter_of(
        q.place.as_deref(),
        q.category.as_deref(),
        q.status.as_deref(),
    )?;
    let list = web.app.assist_households(&who.user.login, &filter).await?;
    Ok(Json(serde_json::json!({
        "households": list.iter().map(entry_json).collect::<Vec<_>>()
    })))
}

#[utoipa::path(get, path = "/api/v1/assist/households/{id}", tag = "assist",
    params(("id" = String, Path, description = "户编号")),
    responses(
        (status = 200, description = "一户(个人信息脱敏),及其今日救助资格核对 {household, check}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这一户,或不在本人辖区", body = ErrorBody),
    ))]
async fn api_household(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let e = web.app.assist_household(&who.user.login, &id).await?;
    let check = web.app.check_household(&who.user.login, &id, None).await?;
    Ok(Json(
        serde_json::json!({ "household": entry_json(&e), "check": check }),
    ))
}

#[utoipa::path(put, path = "/api/v1/assist/households/{id}", tag = "assist",
    request_body(content = serde_json::Value, description = "一户:{place, categories, income_year, assets, needs, status, consent, members: [{relation}], personal: {address, members: [{name, id_number, phone, health}]}, version(修改时为读到的版本), reason(状态记录的原因), review_due(转为在册救助时的复核到期日,默认12个月后)};保持脱敏形式的个人信息栏目沿用原值"),
    params(
        ("id" = String, Path, description = "户编号"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已保存(个人信息加密,已审计),返回脱敏后的这一户", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "地点不在本人辖区,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "要修改的户不存在", body = ErrorBody),
        (status = 409, description = "版本冲突", body = ErrorBody),
        (status = 422, description = "内容有误(逐项列出)", body = ErrorBody),
    ))]
async fn api_put_household(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(mut body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let version = body.get("version").and_then(serde_json::Value::as_i64);
    let reason = body
        .get("reason")
        .and_then(|r| r.as_str())
        .unwrap_or("登记")
        .to_string();
    let review_due = match body.get("review_due") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|t| t.trim().parse::<NaiveDate>().ok())
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "复核到期日(review_due):{v}不是日期,应为 2026-10-15 这样的日期"
                    ))
                })?,
        ),
    };
    if let Some(o) = body.as_object_mut() {
        o.remove("version");
        o.remove("reason");
        o.remove("review_due");
        o.remove("key");
        o.insert("id".into(), serde_json::Value::String(id));
        o.entry("status").or_insert(serde_json::json!("applying"));
    }
    let h: Household = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid(format!("户信息无法读取:{e}")))?;
    let saved = web
        .app
        .save_household_review(&who.user.login, h, version, &reason, review_due)
        .await?;
    Ok(Json(entry_json(&saved)))
}

#[utoipa::path(get, path = "/api/v1/assist/households/{id}/medical", tag = "assist",
    params(("id" = String, Path, description = "户编号")),
    responses(
        (status = 200, description = "这一户的医疗支出(说明脱敏为 ***):{household, costs: [{date, amount, note, by, recorded}], twelve_months(近12个月合计,元), threshold(大额医疗支出预警线,元)}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这一户,或不在本人辖区", body = ErrorBody),
    ))]
async fn api_medical(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<MedicalCosts>> {
    Ok(Json(
        web.app.assist_medical_costs(&who.user.login, &id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/assist/households/{id}/medical", tag = "assist",
    request_body = AssistMedicalIn,
    params(
        ("id" = String, Path, description = "户编号"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已登记(说明加密保存,已审计;近12个月合计超过预警线即发出大额医疗支出预警),返回这一户的医疗支出(说明脱敏)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册或只读,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这一户,或不在本人辖区", body = ErrorBody),
        (status = 409, description = "版本冲突(他人同时登记),请重试", body = ErrorBody),
        (status = 422, description = "请求体不是所述 JSON,或内容有误(逐项列出栏目:金额 amount、日期 date、说明 note)", body = ErrorBody),
    ))]
async fn api_medical_add(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssistMedicalIn>,
) -> ApiResult<Json<MedicalCosts>> {
    Ok(Json(
        web.app
            .record_assist_medical(&who.user.login, &id, body.amount, body.date, &body.note)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/assist/households/{id}/reveal", tag = "assist",
    request_body = AssistRevealIn,
    params(
        ("id" = String, Path, description = "户编号"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "这一户的完整个人信息(本次查看连同事由已记入审计)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无查看完整信息的权限,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这一户,或不在本人辖区", body = ErrorBody),
        (status = 422, description = "未说明事由,或未配置密钥", body = ErrorBody),
    ))]
async fn api_reveal(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssistRevealIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let h = web
        .app
        .reveal_household(&who.user.login, &id, &body.reason)
        .await?;
    Ok(Json(serde_json::to_value(h).unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/assist/households/{id}/check", tag = "assist",
    params(("id" = String, Path, description = "户编号"), AssistCheckQuery),
    responses(
        (status = 200, description = "救助资格核对:{household, date, standard, size, income_per_head, assets_per_head, rules: [{code, name, eligible, clauses: [{text, passed}]}]}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这一户,或不在本人辖区", body = ErrorBody),
        (status = 422, description = "日期无效(应为 2025-10-15 这样的日期)", body = ErrorBody),
    ))]
async fn api_check(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AssistCheckQuery>,
) -> ApiResult<Json<Check>> {
    Ok(Json(
        web.app
            .check_household(&who.user.login, &id, q.date)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/assist/households.csv", tag = "assist", params(AssistCsvQuery),
    responses(
        (status = 200, description = "困难家庭表(UTF-8 带 BOM 的 CSV;个人信息脱敏,持导出权限并说明事由时为完整信息并记入审计)", content_type = "text/csv"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无导出完整信息的权限", body = ErrorBody),
        (status = 404, description = "没有这个地点、类别或状态", body = ErrorBody),
        (status = 422, description = "事由过短,或未配置密钥", body = ErrorBody),
    ))]
async fn api_households_csv(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<AssistCsvQuery>,
) -> ApiResult<Response> {
    let filter = filter_of(
        q.place.as_deref(),
        q.category.as_deref(),
        q.status.as_deref(),
    )?;
    let csv = web
        .app
        .assist_households_csv(&who.user.login, &filter, q.whole.as_deref())
        .await?;
    Ok(file_response(
        "text/csv; charset=utf-8",
        "attachment",
        "困难群众名册.csv",
        csv.into_bytes(),
    ))
}

#[utoipa::path(get, path = "/api/v1/assist/standards", tag = "assist",
    responses(
        (status = 200, description = "低保标准(按地点、起始日期):{standards: [{place, from, dibao_year, edge_factor, tekun_factor, source}], version}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_standards(
    State(web): State<Shared>,
    _who: Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let s = web.app.assist_standards().await?;
    Ok(Json(serde_json::to_value(s).unwrap_or_default()))
}

#[utoipa::path(post, path = "/api/v1/assist/standards/preview", tag = "assist",
    request_body = AssistStandardIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "调整预览(未保存):{standard, judged_on, households, changes: [{household, place, gains, loses}]}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权调整低保标准,或 CSRF 校验失败", body = ErrorBody),
        (status = 422, description = "标准无效(逐项列出)", body = ErrorBody),
    ))]
async fn api_standard_preview(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<AssistStandardIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let p = web
        .app
        .preview_assist_standard(&who.user.login, &body.standard())
        .await?;
    Ok(Json(serde_json::to_value(p).unwrap_or_default()))
}

#[utoipa::path(post, path = "/api/v1/assist/standards", tag = "assist",
    request_body = AssistStandardIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已调整(已审计),返回所应用的预览", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权调整低保标准,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "标准已被他人修改,请重新预览", body = ErrorBody),
        (status = 422, description = "标准无效(逐项列出)", body = ErrorBody),
    ))]
async fn api_standard_apply(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<AssistStandardIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let version = match body.version {
        Some(v) => v,
        None => web.app.assist_standards().await?.version,
    };
    let p = web
        .app
        .apply_assist_standard(&who.user.login, &body.standard(), version)
        .await?;
    Ok(Json(serde_json::to_value(p).unwrap_or_default()))
}

// ---- pages ----

fn tr(c: &Chrome, zh: &str, en: &str) -> String {
    if c.en { en } else { zh }.to_string()
}

fn category_names(c: &Chrome, cats: &[Category]) -> String {
    cats.iter()
        .map(|x| if c.en { x.label_en() } else { x.label_zh() })
        .collect::<Vec<_>>()
        .join(if c.en { ", " } else { "、" })
}

fn status_name(c: &Chrome, s: HouseholdStatus) -> String {
    if c.en { s.label_en() } else { s.label_zh() }.to_string()
}

fn place_name(web: &Shared, code: &str) -> String {
    let s = web.app.read();
    s.tree
        .id(code)
        .map(|id| s.tree.path_names(id))
        .unwrap_or_else(|| code.to_string())
}

fn towns(web: &Shared) -> Vec<(String, String)> {
    web.app
        .read()
        .tree
        .places()
        .iter()
        .filter(|p| p.level == Level::Town)
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect()
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    place: Option<String>,
    category: Option<String>,
    status: Option<String>,
    ok: Option<String>,
}

struct ListRow {
    id: String,
    head: String,
    place: String,
    categories: String,
    status: String,
    size: String,
    income: String,
    needs: String,
}

#[derive(Template)]
#[template(path = "assist_list.html")]
struct ListPage {
    c: Chrome,
    title: String,
    notice: String,
    rows: Vec<ListRow>,
    towns: Vec<(String, String)>,
    categories: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    sel_place: String,
    sel_category: String,
    sel_status: String,
    export_query: String,
    can_add: bool,
    can_rules: bool,
}

fn per_head_year(c: &Chrome, v: f64) -> String {
    format!("{}{}", yuan(v), if c.en { " per head" } else { "/人" })
}

async fn list_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist");
    let filter = filter_of(
        q.place.as_deref(),
        q.category.as_deref(),
        q.status.as_deref(),
    )
    .map_err(|e| c.error(e))?;
    let list = web
        .app
        .assist_households(&who.user.login, &filter)
        .await
        .map_err(|e| c.error(e))?;
    let mut export = Vec::new();
    if let Some(p) = &filter.place {
        export.push(format!("place={p}"));
    }
    if let Some(x) = filter.category {
        export.push(format!("category={}", x.code()));
    }
    if let Some(x) = filter.status {
        export.push(format!("status={}", x.code()));
    }
    let names: std::collections::HashMap<String, String> = {
        let s = web.app.read();
        s.tree
            .places()
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect()
    };
    let rows = list
        .iter()
        .map(|e| {
            let h = &e.household;
            ListRow {
                id: h.id.clone(),
                head: h.head_name_masked(),
                place: names
                    .get(&h.place)
                    .cloned()
                    .unwrap_or_else(|| h.place.clone()),
                categories: category_names(&c, &h.categories),
                status: status_name(&c, h.status),
                size: format!("{}{}", h.size(), if c.en { "" } else { "人" }),
                income: per_head_year(&c, h.income_per_head()),
                needs: h.needs.join("、"),
            }
        })
        .collect();
    let page = ListPage {
        title: tr(&c, "困难群众名册", "Households in difficulty"),
        notice: q.ok.unwrap_or_default(),
        rows,
        towns: towns(&web),
        categories: labels::<Category>(c.en),
        statuses: labels::<HouseholdStatus>(c.en),
        sel_place: filter.place.clone().unwrap_or_default(),
        sel_category: filter
            .category
            .map(|x| x.code().to_string())
            .unwrap_or_default(),
        sel_status: filter
            .status
            .map(|x| x.code().to_string())
            .unwrap_or_default(),
        export_query: export.join("&"),
        can_add: true,
        can_rules: web.app.may_set_assist_rules(&who.user.login),
        c,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "assist_household.html")]
struct HouseholdPage {
    c: Chrome,
    title: String,
    notice: String,
    id: String,
    version: i64,
    revealed: bool,
    facts: Vec<(String, String)>,
    members: Vec<(String, String, String, String, String)>,
    history: Vec<String>,
    check_date: String,
    standard: String,
    rules: Vec<RuleView>,
    statuses: Vec<(&'static str, String)>,
    can_reveal: bool,
    can_edit: bool,
    /// The medical costs: date, amount, note (masked unless revealed), recorded by.
    medical: Vec<(String, String, String, String)>,
    medical_sum: String,
    today: String,
}

#[derive(Debug, Deserialize)]
struct OkQuery {
    ok: Option<String>,
    edit: Option<String>,
}

async fn household_view(
    web: &Shared,
    who: &PageUser,
    c: Chrome,
    id: &str,
    whole: Option<(Household, MedicalCosts)>,
    notice: String,
) -> PageResult {
    let login = &who.user.login;
    let e = web
        .app
        .assist_household(login, id)
        .await
        .map_err(|e| c.error(e))?;
    let check = web
        .app
        .check_household(login, id, None)
        .await
        .map_err(|e| c.error(e))?;
    let revealed = whole.is_some();
    let (h, medical) = match whole {
        Some(w) => w,
        None => (
            e.household,
            web.app
                .assist_medical_costs(login, id)
                .await
                .map_err(|e| c.error(e))?,
        ),
    };
    let en = c.en;
    let mut facts = vec![
        (tr(&c, "地点", "Place"), place_name(web, &h.place)),
        (tr(&c, "详细地址", "Address"), h.personal.address.clone()),
        (
            tr(&c, "困难类别", "Categories"),
            category_names(&c, &h.categories),
        ),
        (tr(&c, "状态", "Status"), status_name(&c, h.status)),
        (
            tr(&c, "家庭人口", "Members"),
            format!("{}{}", h.size(), if en { "" } else { "人" }),
        ),
        (
            tr(&c, "家庭年收入", "Income, last 12 months"),
            yuan(h.income_year),
        ),
        (
            tr(&c, "人均年收入", "Income per head and year"),
            yuan(h.income_per_head()),
        ),
        (tr(&c, "家庭金融资产", "Financial assets"), yuan(h.assets)),
        (tr(&c, "需求", "Needs"), h.needs.join("、")),
        (
            tr(&c, "授权同意", "Consent"),
            match &h.consent {
                Some(x) => format!("{} {}({})", x.date, x.scope, x.how),
                None => tr(&c, "未登记", "not recorded"),
            },
        ),
    ];
    if h.status == HouseholdStatus::Active {
        let rules = web
            .app
            .assist_flag_rules()
            .await
            .map_err(|e| c.error(e))?
            .rules;
        if let Some(d) = youxiang_app::assist::warnings::household_review_due(&rules, &h.history) {
            let set = h.history.last().is_some_and(|x| x.review_due.is_some());
            facts.push((
                tr(&c, "复核到期日", "Review due"),
                match (set, en) {
                    (true, _) => d.to_string(),
                    (false, false) => format!("{d}(按上次认定后{}个月)", rules.review_months),
                    (false, true) => format!(
                        "{d} ({} months after the last decision)",
                        rules.review_months
                    ),
                },
            ));
        }
    }
    if h.demo {
        facts.push((tr(&c, "数据", "Data"), tr(&c, "演示", "demo")));
    }
    let members = h.member_rows();
    let history = h
        .history
        .iter()
        .map(|x| {
            let mut t = format!("{} {}:{}", x.date, status_name(&c, x.status), x.reason);
            if let Some(d) = x.review_due {
                t.push_str(&if en {
                    format!(" (review by {d})")
                } else {
                    format!("(复核到期日 {d})")
                });
            }
            t
        })
        .collect();
    let standard = match &check.standard {
        Some(s) => format!(
            "适用标准:{} 自{}起,低保标准 {}/人·年,低保边缘标准 {}(×{}),特困供养标准 {}(×{});{}",
            place_name(web, &s.place),
            s.from,
            yuan(s.dibao_year),
            yuan(s.edge_year()),
            s.edge_factor,
            yuan(s.tekun_year()),
            s.tekun_factor,
            s.source
        ),
        None => "无适用的低保标准".to_string(),
    };
    let page = HouseholdPage {
        title: format!("{}{}", tr(&c, "困难家庭 ", "Household "), h.id),
        notice,
        id: h.id.clone(),
        version: e.version,
        revealed,
        facts,
        members,
        history,
        check_date: check.date.to_string(),
        standard,
        rules: check
            .rules
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.eligible,
                    r.clauses
                        .iter()
                        .map(|x| (x.text.clone(), x.passed))
                        .collect(),
                )
            })
            .collect(),
        statuses: labels::<HouseholdStatus>(en),
        can_reveal: web.app.may_reveal_at(login, &h.place),
        can_edit: true,
        medical: medical
            .costs
            .iter()
            .map(|m| {
                (
                    m.date.to_string(),
                    yuan(m.amount),
                    m.note.clone(),
                    web.app
                        .read()
                        .reporter(&m.by)
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| m.by.clone()),
                )
            })
            .collect(),
        medical_sum: if en {
            format!(
                "Last 12 months: {} (flagged above {})",
                yuan(medical.twelve_months),
                yuan(medical.threshold)
            )
        } else {
            format!(
                "近12个月合计 {}(超过 {} 发出大额医疗支出预警)",
                yuan(medical.twelve_months),
                yuan(medical.threshold)
            )
        },
        today: web.app.today().to_string(),
        c,
    };
    Ok(render(&page))
}

async fn household_page(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let c = who.chrome(&web, &format!("/assist/{id}"));
    household_view(&web, &who, c, &id, None, q.ok.unwrap_or_default()).await
}

async fn reveal_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, &format!("/assist/{id}"));
    check_form(&c, &who, &form)?;
    let reason = field(&form, "reason").unwrap_or("");
    let whole = web
        .app
        .reveal_household_medical(&who.user.login, &id, reason)
        .await
        .map_err(|e| c.error(e))?;
    household_view(&web, &who, c, &id, Some(whole), String::new()).await
}

async fn status_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, &format!("/assist/{id}"));
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let status: HouseholdStatus =
        get("status")
            .parse()
            .map_err(|e: youxiang_core::labels::ParseLabelError| {
                c.error(ApiError::invalid(e.to_string()))
            })?;
    let version: i64 = get("version")
        .parse()
        .map_err(|_| c.error(ApiError::invalid("版本无效")))?;
    let reason = get("reason");
    if reason.is_empty() {
        return Err(c.error(ApiError::invalid("请写明状态变更的原因")));
    }
    let review_due = match get("review_due") {
        t if t.is_empty() => None,
        t => Some(t.parse::<NaiveDate>().map_err(|_| {
            c.error(ApiError::invalid(format!(
                "复核到期日(review_due):“{t}”不是日期,应为 2026-10-15 这样的日期"
            )))
        })?),
    };
    let mut h = web
        .app
        .assist_household(&who.user.login, &id)
        .await
        .map_err(|e| c.error(e))?
        .household;
    h.status = status;
    web.app
        .save_household_review(&who.user.login, h, Some(version), &reason, review_due)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/assist/{}", crate::download::pct(&id)),
        &tr(&c, "已保存", "Saved"),
    ))
}

async fn medical_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, &format!("/assist/{id}"));
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let amount: f64 = get("amount").parse().map_err(|_| {
        c.error(ApiError::invalid(format!(
            "金额(amount):“{}”不是数字,请填写元数,如 1200.50",
            get("amount")
        )))
    })?;
    let date: NaiveDate = get("date").parse().map_err(|_| {
        c.error(ApiError::invalid(format!(
            "日期(date):“{}”不是日期,应为 2025-10-15 这样的日期",
            get("date")
        )))
    })?;
    web.app
        .record_assist_medical(&who.user.login, &id, amount, date, &get("note"))
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/assist/{}", crate::download::pct(&id)),
        &tr(&c, "已登记医疗支出", "Medical cost recorded"),
    ))
}

type MemberRow = (String, String, String, String, String);

/// A rule judged: its name, whether met, each clause's words and whether it passed.
type RuleView = (String, bool, Vec<(String, bool)>);

#[derive(Template)]
#[template(path = "assist_form.html")]
struct FormPage {
    c: Chrome,
    title: String,
    version: String,
    id: String,
    place: String,
    places: Vec<(String, String)>,
    categories: Vec<(&'static str, String, bool)>,
    income: String,
    assets: String,
    needs: String,
    status: String,
    statuses: Vec<(&'static str, String)>,
    address: String,
    lon: String,
    lat: String,
    consent_date: String,
    consent_scope: String,
    consent_how: String,
    members: Vec<MemberRow>,
}

async fn form_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/new");
    let login = who.user.login.clone();
    let edited = match q.edit.as_deref() {
        Some(id) => Some(
            web.app
                .assist_household(&login, id)
                .await
                .map_err(|e| c.error(e))?,
        ),
        None => None,
    };
    if !web.app.may_use_assist(&login) {
        return Err(c.error(ApiError::Forbidden(vec![tr(
            &c,
            "无权登记困难家庭",
            "Not allowed",
        )])));
    }
    let places: Vec<(String, String)> = {
        let s = web.app.read();
        s.tree
            .ids()
            .filter(|id| matches!(s.tree.get(*id).level, Level::Town | Level::Village))
            .map(|id| (s.tree.get(id).code.clone(), s.tree.path_names(id)))
            .collect()
    };
    let places = places
        .into_iter()
        .filter(|(code, _)| web.app.may_edit_assist_at(&login, code))
        .collect();
    let h = edited.as_ref().map(|e| &e.household);
    let mut members: Vec<MemberRow> = h.map(Household::member_rows).unwrap_or_default();
    if members.is_empty() {
        members.push((
            "户主".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ));
    }
    while members.len() < 4 {
        members.push(Default::default());
    }
    let page = FormPage {
        title: match h {
            Some(h) => format!("{}{}", tr(&c, "修改困难家庭 ", "Edit household "), h.id),
            None => tr(&c, "登记困难家庭", "Register a household"),
        },
        version: edited
            .as_ref()
            .map(|e| e.version.to_string())
            .unwrap_or_default(),
        id: h.map(|h| h.id.clone()).unwrap_or_default(),
        place: h.map(|h| h.place.clone()).unwrap_or_default(),
        places,
        categories: Category::all()
            .iter()
            .map(|x| {
                (
                    x.code(),
                    if c.en { x.label_en() } else { x.label_zh() }.to_string(),
                    h.is_some_and(|h| h.categories.contains(x)),
                )
            })
            .collect(),
        income: h.map(|h| h.income_year.to_string()).unwrap_or_default(),
        assets: h.map(|h| h.assets.to_string()).unwrap_or_default(),
        needs: h.map(|h| h.needs.join("、")).unwrap_or_default(),
        status: h
            .map(|h| h.status.code().to_string())
            .unwrap_or_else(|| "applying".into()),
        statuses: labels::<HouseholdStatus>(c.en),
        address: h.map(|h| h.personal.address.clone()).unwrap_or_default(),
        lon: h
            .and_then(|h| h.lon)
            .map(|v| v.to_string())
            .unwrap_or_default(),
        lat: h
            .and_then(|h| h.lat)
            .map(|v| v.to_string())
            .unwrap_or_default(),
        consent_date: h
            .and_then(|h| h.consent.as_ref())
            .map(|x| x.date.to_string())
            .unwrap_or_default(),
        consent_scope: h
            .and_then(|h| h.consent.as_ref())
            .map(|x| x.scope.clone())
            .unwrap_or_default(),
        consent_how: h
            .and_then(|h| h.consent.as_ref())
            .map(|x| x.how.clone())
            .unwrap_or_default(),
        members,
        c,
    };
    Ok(render(&page))
}

fn all<'a>(form: &'a Fields, k: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(n, _)| n == k)
        .map(|(_, v)| v.trim())
        .collect()
}

/// The household a form describes (every problem named at once).
fn household_of_form(form: &Fields) -> Result<Household, ApiError> {
    let get = |k: &str| field(form, k).unwrap_or("").trim().to_string();
    let mut problems = Vec::new();
    let num = |k: &str, what: &str, problems: &mut Vec<String>| match get(k).parse::<f64>() {
        Ok(v) => v,
        Err(_) => {
            problems.push(format!("{what}应为数字"));
            0.0
        }
    };
    let opt = |k: &str, problems: &mut Vec<String>| match get(k).as_str() {
        "" => None,
        v => match v.parse::<f64>() {
            Ok(x) => Some(x),
            Err(_) => {
                problems.push(format!("“{v}”不是数字"));
                None
            }
        },
    };
    let income_year = num("income_year", "家庭年收入", &mut problems);
    let assets = num("assets", "家庭金融资产", &mut problems);
    let lon = opt("lon", &mut problems);
    let lat = opt("lat", &mut problems);
    let mut categories = Vec::new();
    for v in all(form, "category") {
        match v.parse::<Category>() {
            Ok(x) => categories.push(x),
            Err(e) => problems.push(e.to_string()),
        }
    }
    let status = get("status")
        .parse::<HouseholdStatus>()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let consent = match get("consent_date").as_str() {
        "" => None,
        d => match d.parse::<NaiveDate>() {
            Ok(date) => Some(Consent {
                date,
                scope: get("consent_scope"),
                how: get("consent_how"),
            }),
            Err(_) => {
                problems.push(format!("授权同意日期“{d}”无效,应写作 2025-06-30"));
                None
            }
        },
    };
    let (rel, name, idn, phone, health) = (
        all(form, "relation"),
        all(form, "name"),
        all(form, "id_number"),
        all(form, "phone"),
        all(form, "health"),
    );
    let mut members = Vec::new();
    let mut personal = Vec::new();
    for (i, n) in name.iter().enumerate() {
        if n.is_empty() && i > 0 {
            continue;
        }
        members.push(MemberInfo {
            relation: rel.get(i).unwrap_or(&"").to_string(),
        });
        personal.push(PersonalMember {
            name: n.to_string(),
            id_number: idn.get(i).unwrap_or(&"").to_string(),
            phone: phone.get(i).unwrap_or(&"").to_string(),
            health: health.get(i).unwrap_or(&"").to_string(),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    Ok(Household {
        id: get("id"),
        place: get("place"),
        lon,
        lat,
        categories,
        income_year,
        assets,
        needs: get("needs")
            .split(['、', ',', ',', ';', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        status,
        history: vec![],
        consent,
        members,
        personal: Personal {
            address: get("address"),
            members: personal,
        },
        demo: false,
    })
}

async fn form_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/new");
    check_form(&c, &who, &form)?;
    let h = household_of_form(&form).map_err(|e| c.error(e))?;
    let version = match field(&form, "version").unwrap_or("").trim() {
        "" => None,
        v => Some(
            v.parse::<i64>()
                .map_err(|_| c.error(ApiError::invalid("版本无效")))?,
        ),
    };
    let reason = field(&form, "reason").unwrap_or("").trim().to_string();
    let reason = if reason.is_empty() && version.is_none() {
        "登记".to_string()
    } else {
        reason
    };
    let saved = web
        .app
        .save_household(&who.user.login, h, version, &reason)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/assist/{}", crate::download::pct(&saved.household.id)),
        &tr(&c, "已保存", "Saved"),
    ))
}

#[derive(Template)]
#[template(path = "assist_standards.html")]
struct StandardsPage {
    c: Chrome,
    title: String,
    notice: String,
    rows: Vec<(String, String, String, String, String, String)>,
    places: Vec<(String, String)>,
    version: i64,
    form: (String, String, String, String, String),
    previewed: bool,
    households: usize,
    changes: Vec<(String, String, String, String)>,
}

async fn standards_view(
    web: &Shared,
    who: &PageUser,
    c: Chrome,
    form: Option<(Standard, youxiang_app::assist::StandardPreview)>,
    notice: String,
) -> PageResult {
    if !web.app.may_set_assist_rules(&who.user.login) {
        return Err(c.error(ApiError::Forbidden(vec![tr(
            &c,
            "无权调整低保标准",
            "Not allowed to change the standards",
        )])));
    }
    let s = web.app.assist_standards().await.map_err(|e| c.error(e))?;
    let rules = web.app.assist_rules().await.map_err(|e| c.error(e))?;
    let rule_name = |code: &str| {
        rules
            .rules
            .rules
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let places: Vec<(String, String)> = {
        let st = web.app.read();
        st.tree
            .ids()
            .filter(|id| {
                matches!(st.tree.get(*id).level, Level::Town) || st.tree.parent(*id).is_none()
            })
            .map(|id| (st.tree.get(id).code.clone(), st.tree.path_names(id)))
            .collect()
    };
    let latest = s.standards.last().cloned();
    let page = StandardsPage {
        title: tr(&c, "低保标准与动态调整", "Allowance standards"),
        notice,
        rows: s
            .standards
            .iter()
            .map(|x| {
                (
                    place_name(web, &x.place),
                    x.from.to_string(),
                    yuan(x.dibao_year),
                    yuan(x.edge_year()),
                    yuan(x.tekun_year()),
                    x.source.clone(),
                )
            })
            .collect(),
        places,
        version: s.version,
        form: match &form {
            Some((x, _)) => (
                x.place.clone(),
                x.from.to_string(),
                x.dibao_year.to_string(),
                x.edge_factor.to_string(),
                x.tekun_factor.to_string(),
            ),
            None => (
                latest.as_ref().map(|x| x.place.clone()).unwrap_or_default(),
                String::new(),
                String::new(),
                "1.5".into(),
                "1.3".into(),
            ),
        },
        previewed: form.is_some(),
        households: form.as_ref().map(|(_, p)| p.households).unwrap_or(0),
        changes: form
            .as_ref()
            .map(|(_, p)| {
                p.changes
                    .iter()
                    .map(|x| {
                        (
                            x.household.clone(),
                            place_name(web, &x.place),
                            x.gains
                                .iter()
                                .map(|g| rule_name(g))
                                .collect::<Vec<_>>()
                                .join("、"),
                            x.loses
                                .iter()
                                .map(|g| rule_name(g))
                                .collect::<Vec<_>>()
                                .join("、"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        c,
    };
    Ok(render(&page))
}

async fn standards_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/standards");
    standards_view(&web, &who, c, None, q.ok.unwrap_or_default()).await
}

async fn standards_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/standards");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let num = |k: &str, what: &str| {
        get(k)
            .parse::<f64>()
            .map_err(|_| ApiError::invalid(format!("{what}应为数字")))
    };
    let standard = Standard {
        place: get("place"),
        from: get("from")
            .parse::<NaiveDate>()
            .map_err(|_| c.error(ApiError::invalid("起始日期无效,应写作 2026-01-01")))?,
        dibao_year: num("dibao", "低保标准").map_err(|e| c.error(e))?,
        edge_factor: num("edge", "低保边缘倍数").map_err(|e| c.error(e))?,
        tekun_factor: num("tekun", "特困供养倍数").map_err(|e| c.error(e))?,
        source: format!("{}调整", who.user.unit),
    };
    if get("do") == "apply" {
        let version: i64 = get("version").parse().unwrap_or(0);
        let p = web
            .app
            .apply_assist_standard(&who.user.login, &standard, version)
            .await
            .map_err(|e| c.error(e))?;
        return Ok(back_to(
            "/assist/standards",
            &format!("已调整:资格变化 {} 户", p.changes.len()),
        ));
    }
    let p = web
        .app
        .preview_assist_standard(&who.user.login, &standard)
        .await
        .map_err(|e| c.error(e))?;
    standards_view(&web, &who, c, Some((standard, p)), String::new()).await
}
