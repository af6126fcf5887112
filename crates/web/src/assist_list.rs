//! 幸福清单 and the rules' editing (issue 16 point 5): `GET /api/v1/assist/lists` (the
//! lists of a period with the 送达率 per place), `POST /api/v1/assist/lists/generate`,
//! `GET /api/v1/assist/lists/{id}`, `GET /api/v1/assist/lists/{id}/pdf`, `POST
//! /api/v1/assist/lists/{id}/delivery`, `POST /api/v1/assist/lists/{id}/receipts`, `GET|POST
//! /api/v1/assist/rules` (+ `/preview`, the rules as TOML); the pages `/assist/lists`,
//! `/assist/lists/{id}` (printable, with the delivery and receipt forms) and
//! `/assist/lists/{id}.pdf` (the rules' form is `assist_settings.rs`). Personal data is
//! masked everywhere (the head's masked name only);
//! the printable page shows the head's name and address whole only after a stated reason
//! (audited, as on the household's page).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::assist::happiness::ListEntry;
use youxiang_core::assist::happiness::{
    Channel, Confirmation, Delivery, HappinessList, ItemKind, Receipt, list_period,
};
use youxiang_core::assist::register::Household;
use youxiang_core::assist::rules::yuan;
use youxiang_core::period::Period;

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
        api_lists,
        api_generate,
        api_list,
        api_list_pdf,
        api_deliver,
        api_receipt,
        api_rules,
        api_rules_preview,
        api_rules_save
    ),
    components(schemas(ListGenerateIn, RulesIn))
)]
pub struct AssistListDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/assist/lists", get(api_lists))
        .route("/api/v1/assist/lists/generate", post(api_generate))
        .route("/api/v1/assist/lists/{id}", get(api_list))
        .route("/api/v1/assist/lists/{id}/pdf", get(api_list_pdf))
        .route("/api/v1/assist/lists/{id}/delivery", post(api_deliver))
        .route("/api/v1/assist/lists/{id}/receipts", post(api_receipt))
        .route("/api/v1/assist/rules", get(api_rules).post(api_rules_save))
        .route("/api/v1/assist/rules/preview", post(api_rules_preview))
        .route("/assist/lists", get(lists_page))
        .route("/assist/lists/generate", post(generate_post))
        .route("/assist/lists/{id}", get(list_page))
        .route("/assist/lists/{id}/reveal", post(reveal_post))
        .route("/assist/lists/{id}/deliver", post(deliver_post))
        .route("/assist/lists/{id}/receipt", post(receipt_post))
}

/// The lists' filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListsQuery {
    /// The period, e.g. `2025Q3` (a quarter; `2025-09` or `2025H2` also); an unknown or
    /// malformed one answers 404. Default: all periods.
    pub period: Option<String>,
    /// A place's code: lists at it or below it; an unknown one answers 404.
    pub place: Option<String>,
}

/// Which period to generate.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ListGenerateIn {
    /// e.g. `2025Q3`.
    pub period: String,
}

/// Rules as TOML.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RulesIn {
    pub toml: String,
    /// To save: the rules' version read (0 for the shipped rules).
    #[serde(default)]
    pub version: Option<i64>,
}

fn list_json(e: &ListEntry) -> serde_json::Value {
    serde_json::to_value(e).unwrap_or_default()
}

fn period_or_404(p: &str) -> Result<Period, ApiError> {
    list_period(p).map_err(ApiError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/assist/lists", tag = "assist", params(ListsQuery),
    responses(
        (status = 200, description = "本人辖区的幸福清单(个人信息脱敏):{lists: [{id, household, place, period, generated_on, head_masked, standard, entitlements, receipts, delivery, demo, version}], rates: [{place, name, level, due, delivered, percent}](给出期间时)}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这个期间或地点", body = ErrorBody),
    ))]
async fn api_lists(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<ListsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let login = &who.user.login;
    let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(period_or_404(p)?.to_string()),
        None => None,
    };
    let place = q.place.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let lists = web
        .app
        .assist_lists(login, period.as_deref(), place)
        .await?;
    let rates = match &period {
        Some(p) => {
            serde_json::to_value(web.app.assist_list_rates(login, p).await?).unwrap_or_default()
        }
        None => serde_json::Value::Null,
    };
    Ok(Json(serde_json::json!({
        "lists": lists.iter().map(list_json).collect::<Vec<_>>(),
        "rates": rates,
    })))
}

#[utoipa::path(post, path = "/api/v1/assist/lists/generate", tag = "assist",
    request_body(content = serde_json::Value, description = "{period: \"2025Q3\"}"),
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已生成(重复生成不重复、保留已登记的送达):{added, changed, unchanged}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册,或 CSRF 校验失败", body = ErrorBody),
        (status = 422, description = "期间无效或尚未开始", body = ErrorBody),
    ))]
async fn api_generate(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let period = body
        .get("period")
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_string();
    let g = web
        .app
        .generate_assist_lists(&who.user.login, &period)
        .await?;
    Ok(Json(serde_json::to_value(g).unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/assist/lists/{id}", tag = "assist",
    params(("id" = String, Path, description = "清单编号(户编号@期间)")),
    responses(
        (status = 200, description = "一份幸福清单(个人信息脱敏)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这份清单,或不在本人辖区", body = ErrorBody),
    ))]
async fn api_list(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let e = web.app.assist_list(&who.user.login, &id).await?;
    Ok(Json(list_json(&e)))
}

#[utoipa::path(get, path = "/api/v1/assist/lists/{id}/pdf", tag = "assist",
    params(("id" = String, Path, description = "清单编号(户编号@期间)")),
    responses(
        (status = 200, description = "可打印的幸福清单(PDF,个人信息脱敏)", content_type = "application/pdf"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这份清单,或不在本人辖区", body = ErrorBody),
        (status = 422, description = "未找到中文字体,无法生成PDF", body = ErrorBody),
    ))]
async fn api_list_pdf(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    pdf_response(&web, &who.user.login, &id).await
}

async fn pdf_response(web: &Shared, login: &str, id: &str) -> ApiResult<Response> {
    let e = web.app.assist_list(login, id).await?;
    let sheet = sheet_of(web, &e.list);
    let bytes = youxiang_app::assist::happiness::render_list_pdf(&sheet)?;
    Ok(file_response(
        "application/pdf",
        "inline",
        &format!("幸福清单-{}.pdf", e.list.id.replace('@', "-")),
        bytes,
    ))
}

fn parse_date(text: &str, what: &str) -> Result<NaiveDate, ApiError> {
    text.trim()
        .parse::<NaiveDate>()
        .map_err(|_| ApiError::invalid(format!("{what}无效,应写作 2025-10-15")))
}

fn delivery_of(get: &dyn Fn(&str) -> String) -> Result<Delivery, ApiError> {
    Ok(Delivery {
        channel: get("channel")
            .parse::<Channel>()
            .map_err(|e| ApiError::invalid(e.to_string()))?,
        date: parse_date(&get("date"), "送达日期")?,
        confirmation: get("confirmation")
            .parse::<Confirmation>()
            .map_err(|e| ApiError::invalid(e.to_string()))?,
        note: get("note"),
        by: String::new(),
    })
}

fn receipt_of(get: &dyn Fn(&str) -> String) -> Result<Receipt, ApiError> {
    let amount = get("amount");
    Ok(Receipt {
        kind: get("kind")
            .parse::<ItemKind>()
            .map_err(|e| ApiError::invalid(e.to_string()))?,
        what: get("what"),
        date: parse_date(&get("date"), "日期")?,
        amount: if amount.is_empty() {
            None
        } else {
            Some(
                amount
                    .parse::<f64>()
                    .map_err(|_| ApiError::invalid("金额应为数字(元)"))?,
            )
        },
        provider: get("provider"),
        by: String::new(),
    })
}

fn json_getter(body: &serde_json::Value) -> impl Fn(&str) -> String + '_ {
    move |k: &str| match body.get(k) {
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[utoipa::path(post, path = "/api/v1/assist/lists/{id}/delivery", tag = "assist",
    request_body(content = serde_json::Value, description = "{channel: visit|post|sms|zlb(上门送达/邮寄/短信/浙里办), date: \"2025-10-15\", confirmation: signed|phone|refused(签收/电话确认/拒收), note(拒收时必填), version(读到的版本,可省略)}"),
    params(
        ("id" = String, Path, description = "清单编号(户编号@期间)"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已登记送达(已审计,送达率与指标K7.4b已重算),返回这份清单", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这份清单,或不在本人辖区", body = ErrorBody),
        (status = 409, description = "版本冲突", body = ErrorBody),
        (status = 422, description = "内容有误(逐项列出)", body = ErrorBody),
    ))]
async fn api_deliver(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let login = &who.user.login;
    web.app.assist_list(login, &id).await?;
    let d = delivery_of(&json_getter(&body))?;
    let version = body.get("version").and_then(serde_json::Value::as_i64);
    let e = web.app.deliver_assist_list(login, &id, d, version).await?;
    Ok(Json(list_json(&e)))
}

#[utoipa::path(post, path = "/api/v1/assist/lists/{id}/receipts", tag = "assist",
    request_body(content = serde_json::Value, description = "{kind: benefit|service(救助待遇/帮扶服务), what, date: \"2025-10-15\", amount(元,可省略), provider(服务须填), version(可省略)}"),
    params(
        ("id" = String, Path, description = "清单编号(户编号@期间)"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已登记(已审计),返回这份清单", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这份清单,或不在本人辖区", body = ErrorBody),
        (status = 409, description = "版本冲突", body = ErrorBody),
        (status = 422, description = "内容有误(逐项列出)", body = ErrorBody),
    ))]
async fn api_receipt(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let login = &who.user.login;
    web.app.assist_list(login, &id).await?;
    let r = receipt_of(&json_getter(&body))?;
    let version = body.get("version").and_then(serde_json::Value::as_i64);
    let e = web
        .app
        .add_assist_list_receipt(login, &id, r, version)
        .await?;
    Ok(Json(list_json(&e)))
}

#[utoipa::path(get, path = "/api/v1/assist/rules", tag = "assist",
    responses(
        (status = 200, description = "救助资格规则:{toml, version}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_rules(State(web): State<Shared>, _who: Authed) -> ApiResult<Json<serde_json::Value>> {
    let r = web.app.assist_rules().await?;
    Ok(Json(
        serde_json::json!({ "toml": r.toml, "version": r.version }),
    ))
}

#[utoipa::path(post, path = "/api/v1/assist/rules/preview", tag = "assist",
    request_body = RulesIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "预览(未保存):{judged_on, households, changes: [{household, place, gains, loses}]}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权修改规则,或 CSRF 校验失败", body = ErrorBody),
        (status = 422, description = "规则有误(逐项列出行号)", body = ErrorBody),
    ))]
async fn api_rules_preview(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<RulesIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let p = web
        .app
        .preview_assist_rules(&who.user.login, &body.toml)
        .await?;
    Ok(Json(serde_json::to_value(p).unwrap_or_default()))
}

#[utoipa::path(post, path = "/api/v1/assist/rules", tag = "assist",
    request_body = RulesIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已保存(已审计),返回所应用的预览", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权修改规则,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "规则已被他人修改,请重新预览", body = ErrorBody),
        (status = 422, description = "规则有误(逐项列出行号)", body = ErrorBody),
    ))]
async fn api_rules_save(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<RulesIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let login = &who.user.login;
    let p = web.app.preview_assist_rules(login, &body.toml).await?;
    let version = match body.version {
        Some(v) => v,
        None => web.app.assist_rules().await?.version,
    };
    web.app
        .save_assist_rules(login, &body.toml, version)
        .await?;
    Ok(Json(serde_json::to_value(p).unwrap_or_default()))
}

// ---- pages ----

pub(crate) fn tr(c: &Chrome, zh: &str, en: &str) -> String {
    if c.en { en } else { zh }.to_string()
}

pub(crate) fn place_name(web: &Shared, code: &str) -> String {
    let s = web.app.read();
    s.tree
        .id(code)
        .map(|id| s.tree.path_names(id))
        .unwrap_or_else(|| code.to_string())
}

fn period_label(c: &Chrome, p: &str) -> String {
    match p.parse::<Period>() {
        Ok(x) if !c.en => x.label_zh(),
        _ => p.to_string(),
    }
}

fn state_label(c: &Chrome, l: &HappinessList) -> String {
    match &l.delivery {
        Some(d) if c.en => format!(
            "{} ({}, {})",
            d.confirmation.label_en(),
            d.channel.label_en(),
            d.date
        ),
        Some(d) => format!(
            "{}({},{})",
            d.confirmation.label_zh(),
            d.channel.label_zh(),
            d.date
        ),
        None => tr(c, "未送达", "not delivered"),
    }
}

/// The quarter before today's (the default period).
fn last_quarter(today: NaiveDate) -> String {
    use chrono::Datelike;
    let q = (today.month0() / 3) as i32; // 0-based current quarter
    if q == 0 {
        format!("{}Q4", today.year() - 1)
    } else {
        format!("{}Q{}", today.year(), q)
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    period: Option<String>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "assist_lists.html")]
struct ListsPage {
    c: Chrome,
    title: String,
    notice: String,
    period: String,
    period_label: String,
    periods: Vec<(String, String)>,
    rates: Vec<(String, String, String, String)>,
    undelivered: Vec<(String, String, String, String)>,
    delivered: Vec<(String, String, String, String)>,
    can_generate: bool,
}

async fn lists_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/lists");
    let login = &who.user.login;
    let all = web
        .app
        .assist_lists(login, None, None)
        .await
        .map_err(|e| c.error(e))?;
    let mut codes: Vec<String> = all.iter().map(|e| e.list.period.clone()).collect();
    let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => period_or_404(p).map_err(|e| c.error(e))?.to_string(),
        None => codes
            .iter()
            .max()
            .cloned()
            .unwrap_or_else(|| last_quarter(web.app.today())),
    };
    codes.push(period.clone());
    codes.sort();
    codes.dedup();
    let rates = web
        .app
        .assist_list_rates(login, &period)
        .await
        .map_err(|e| c.error(e))?;
    let row = |l: &HappinessList| {
        (
            l.id.clone(),
            l.head_masked.clone(),
            place_name(&web, &l.place),
            state_label(&c, l),
        )
    };
    let mine: Vec<&ListEntry> = all.iter().filter(|e| e.list.period == period).collect();
    let page = ListsPage {
        title: tr(&c, "幸福清单", "Happiness lists"),
        notice: q.ok.unwrap_or_default(),
        period_label: period_label(&c, &period),
        periods: codes
            .iter()
            .rev()
            .map(|p| (p.clone(), period_label(&c, p)))
            .collect(),
        rates: rates
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    format!("{}{}", r.due, if c.en { "" } else { "份" }),
                    format!("{}{}", r.delivered, if c.en { "" } else { "份" }),
                    match r.percent {
                        Some(p) => format!("{p:.1}%"),
                        None => tr(&c, "无清单", "no lists"),
                    },
                )
            })
            .collect(),
        undelivered: mine
            .iter()
            .filter(|e| !e.list.delivered())
            .map(|e| row(&e.list))
            .collect(),
        delivered: mine
            .iter()
            .filter(|e| e.list.delivered())
            .map(|e| row(&e.list))
            .collect(),
        can_generate: web.app.may_use_assist(login),
        period,
        c,
    };
    Ok(render(&page))
}

async fn generate_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/lists");
    check_form(&c, &who, &form)?;
    let period = field(&form, "period").unwrap_or("").trim().to_string();
    let g = web
        .app
        .generate_assist_lists(&who.user.login, &period)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/assist/lists?period={}", crate::download::pct(&period)),
        &format!(
            "已生成:新增{}份,更新{}份,未变{}份",
            g.added, g.changed, g.unchanged
        ),
    ))
}

#[derive(Template)]
#[template(path = "assist_list_one.html")]
struct ListPage {
    c: Chrome,
    title: String,
    notice: String,
    id: String,
    period: String,
    version: i64,
    demo: bool,
    facts: Vec<(String, String)>,
    entitlements: Vec<(String, String, String, String, String)>,
    receipts: Vec<(String, String, String, String, String)>,
    delivery: String,
    today: String,
    channels: Vec<(&'static str, String)>,
    confirmations: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    can_reveal: bool,
    revealed: bool,
}

fn money(v: Option<f64>) -> String {
    v.map(yuan).unwrap_or_else(|| "—".to_string())
}

fn kind_label(c: &Chrome, k: ItemKind) -> String {
    if c.en { k.label_en() } else { k.label_zh() }.to_string()
}

async fn list_view(
    web: &Shared,
    who: &PageUser,
    c: Chrome,
    id: &str,
    whole: Option<Household>,
    notice: String,
) -> PageResult {
    let login = &who.user.login;
    let e = web
        .app
        .assist_list(login, id)
        .await
        .map_err(|e| c.error(e))?;
    let l = &e.list;
    let revealed = whole.is_some();
    let (head, address) = match &whole {
        Some(h) => (
            h.personal
                .members
                .first()
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            h.personal.address.clone(),
        ),
        None => (l.head_masked.clone(), tr(&c, "(已脱敏)", "(masked)")),
    };
    let facts = vec![
        (tr(&c, "户编号", "Household"), l.household.clone()),
        (tr(&c, "户主", "Head"), head),
        (tr(&c, "地点", "Place"), place_name(web, &l.place)),
        (tr(&c, "详细地址", "Address"), address),
        (tr(&c, "期间", "Period"), period_label(&c, &l.period)),
        (
            tr(&c, "生成日期", "Generated on"),
            l.generated_on.to_string(),
        ),
        (tr(&c, "适用标准", "Standard"), l.standard.clone()),
        (
            tr(&c, "本期应享受金额合计", "Entitled, total"),
            yuan(l.entitled_total()),
        ),
        (
            tr(&c, "本期已收到金额合计", "Received, total"),
            yuan(l.received_total()),
        ),
    ];
    let page = ListPage {
        title: format!(
            "{} {}",
            tr(&c, "幸福清单", "Happiness list"),
            period_label(&c, &l.period)
        ),
        notice,
        id: l.id.clone(),
        period: l.period.clone(),
        version: e.version,
        demo: l.demo,
        facts,
        entitlements: l
            .entitlements
            .iter()
            .map(|x| {
                (
                    kind_label(&c, x.kind),
                    x.name.clone(),
                    money(x.monthly),
                    money(x.amount),
                    x.formula.clone(),
                )
            })
            .collect(),
        receipts: l
            .receipts
            .iter()
            .map(|r| {
                (
                    r.date.to_string(),
                    kind_label(&c, r.kind),
                    r.what.clone(),
                    money(r.amount),
                    r.provider.clone(),
                )
            })
            .collect(),
        delivery: match &l.delivery {
            Some(d) => format!(
                "{}{}",
                state_label(&c, l),
                if d.note.is_empty() {
                    String::new()
                } else {
                    format!(":{}", d.note)
                }
            ),
            None => tr(&c, "尚未送达", "Not yet delivered"),
        },
        today: web.app.today().to_string(),
        channels: labels::<Channel>(c.en),
        confirmations: labels::<Confirmation>(c.en),
        kinds: labels::<ItemKind>(c.en),
        can_reveal: web.app.may_reveal_at(login, &l.place),
        revealed,
        c,
    };
    Ok(render(&page))
}

async fn list_page(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Response> {
    if let Some(real) = id.strip_suffix(".pdf") {
        let c = who.chrome(&web, &format!("/assist/lists/{real}"));
        return pdf_response(&web, &who.user.login, real)
            .await
            .map_err(|e| c.error(e));
    }
    let c = who.chrome(&web, &format!("/assist/lists/{id}"));
    list_view(&web, &who, c, &id, None, q.ok.unwrap_or_default()).await
}

async fn reveal_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, &format!("/assist/lists/{id}"));
    check_form(&c, &who, &form)?;
    let e = web
        .app
        .assist_list(&who.user.login, &id)
        .await
        .map_err(|e| c.error(e))?;
    let reason = field(&form, "reason").unwrap_or("");
    let whole = web
        .app
        .reveal_household(&who.user.login, &e.list.household, reason)
        .await
        .map_err(|e| c.error(e))?;
    list_view(&web, &who, c, &id, Some(whole), String::new()).await
}

async fn deliver_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, &format!("/assist/lists/{id}"));
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let d = delivery_of(&get).map_err(|e| c.error(e))?;
    let version = get("version").parse::<i64>().ok();
    web.app
        .deliver_assist_list(&who.user.login, &id, d, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/assist/lists/{}", crate::download::pct(&id)),
        &tr(&c, "已登记送达", "Delivery recorded"),
    ))
}

async fn receipt_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, &format!("/assist/lists/{id}"));
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let r = receipt_of(&get).map_err(|e| c.error(e))?;
    let version = get("version").parse::<i64>().ok();
    web.app
        .add_assist_list_receipt(&who.user.login, &id, r, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/assist/lists/{}", crate::download::pct(&id)),
        &tr(&c, "已登记", "Recorded"),
    ))
}

fn sheet_of(web: &Shared, l: &HappinessList) -> youxiang_app::assist::happiness::Sheet {
    use youxiang_app::assist::happiness::SheetBlock;
    let period = l
        .period
        .parse::<Period>()
        .map(|p| p.label_zh())
        .unwrap_or_else(|_| l.period.clone());
    let ent_rows = l
        .entitlements
        .iter()
        .map(|x| {
            vec![
                x.kind.label_zh().to_string(),
                x.name.clone(),
                money(x.monthly),
                money(x.amount),
                x.formula.clone(),
            ]
        })
        .collect();
    let rec_rows: Vec<Vec<String>> = l
        .receipts
        .iter()
        .map(|r| {
            vec![
                r.date.to_string(),
                r.kind.label_zh().to_string(),
                r.what.clone(),
                money(r.amount),
                r.provider.clone(),
            ]
        })
        .collect();
    let delivery = match &l.delivery {
        Some(d) => format!(
            "{},{},{}{}",
            d.channel.label_zh(),
            d.date,
            d.confirmation.label_zh(),
            if d.note.is_empty() {
                String::new()
            } else {
                format!(":{}", d.note)
            }
        ),
        None => "尚未送达".to_string(),
    };
    youxiang_app::assist::happiness::Sheet {
        title: format!("幸福清单({period})"),
        subtitle: format!(
            "{} · 户编号 {} · 户主 {}",
            place_name(web, &l.place),
            l.household,
            l.head_masked
        ),
        generated: format!("生成日期:{}", l.generated_on),
        data_note: l.demo.then(|| "演示数据(合成),非真实家庭".to_string()),
        sections: vec![
            (
                "应享受的救助和服务".to_string(),
                vec![
                    SheetBlock::Note(format!("适用标准:{}", l.standard)),
                    SheetBlock::Table(
                        ["类别", "项目", "每月(元)", "本期(元)", "计算方法"]
                            .map(String::from)
                            .to_vec(),
                        ent_rows,
                    ),
                    SheetBlock::Text(format!("本期应享受金额合计:{}", yuan(l.entitled_total()))),
                ],
            ),
            (
                "已收到".to_string(),
                vec![if rec_rows.is_empty() {
                    SheetBlock::Text("本期尚未登记".to_string())
                } else {
                    SheetBlock::Table(
                        ["日期", "类别", "项目", "金额(元)", "提供方"]
                            .map(String::from)
                            .to_vec(),
                        rec_rows,
                    )
                }],
            ),
            (
                "送达情况".to_string(),
                vec![
                    SheetBlock::Text(delivery),
                    SheetBlock::Text("户主签收:______________  日期:______________".to_string()),
                ],
            ),
        ],
        signature: vec!["舟山市定海区民政局".to_string()],
    }
}
