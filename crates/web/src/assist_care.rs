//! 探访关爱 and 监测预警 (弱有众扶, issue 16 point 4): `GET|POST /api/v1/assist/visits`
//! (the overview: 探访关爱率 per town or village, every household's due periods; record a
//! visit), `GET /api/v1/assist/visits/{id}`, `GET /api/v1/assist/visit-plan`, `GET
//! /api/v1/assist/flags`, `GET /api/v1/assist/flags/{id}`, `POST
//! /api/v1/assist/flags/{id}/handle`, `POST /api/v1/assist/flags/scan`; the pages
//! `/assist/visits` (per town: due, done, overdue with deadlines, the visit form —
//! phone-first) and `/assist/flags` (the flags per worker and town, the handling form).
//! Scoped like the register: another place's household, visit or flag is not found.
//! Households appear by id and masked head name only.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::assist::visits::NewVisit;
use youxiang_app::assist::warnings::FlagFilter;
use youxiang_core::assist::visits::{DueState, Rate, VisitMode};
use youxiang_core::assist::warnings::{FlagState, Outcome};
use youxiang_core::labels::Labelled;
use youxiang_core::place::Level;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};

#[derive(OpenApi)]
#[openapi(
    paths(
        api_visits,
        api_record_visit,
        api_visit,
        api_visit_plan,
        api_flags,
        api_flag,
        api_handle_flag,
        api_scan_flags
    ),
    components(schemas(AssistHandleIn, AssistScanIn))
)]
pub struct AssistCareDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v1/assist/visits",
            get(api_visits).post(api_record_visit),
        )
        .route("/api/v1/assist/visits/{id}", get(api_visit))
        .route("/api/v1/assist/visit-plan", get(api_visit_plan))
        .route("/api/v1/assist/flags", get(api_flags))
        .route("/api/v1/assist/flags/scan", post(api_scan_flags))
        .route("/api/v1/assist/flags/{id}", get(api_flag))
        .route("/api/v1/assist/flags/{id}/handle", post(api_handle_flag))
        .route("/assist/visits", get(visits_page).post(visits_post))
        .route("/assist/flags", get(flags_page))
        .route("/assist/flags/{id}/handle", post(flag_handle_post))
}

/// The overview's place and day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitsQuery {
    /// A place's code: households at it or below it (per village under a town); an unknown
    /// one answers 404.
    pub place: Option<String>,
    /// The day (default today), e.g. 2025-10-15.
    #[param(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
}

/// The flags' filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagsQuery {
    /// A place's code; an unknown one answers 404.
    pub place: Option<String>,
    /// The responsible worker's login.
    pub assignee: Option<String>,
    /// `open`, `handled` or `overdue`; an unknown one answers 404.
    pub state: Option<String>,
}

/// How a flag was handled.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssistHandleIn {
    /// `no_change` (核查无变化), `adjust` (调整救助) or `refer` (转介); an unknown one
    /// answers 404.
    pub outcome: String,
    /// 核查情况, at least two characters.
    pub note: String,
}

/// What to scan.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssistScanIn {
    /// One household (default: every household of the reader's places).
    #[serde(default)]
    pub household: Option<String>,
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

fn nonempty(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

#[utoipa::path(get, path = "/api/v1/assist/visits", tag = "assist", params(VisitsQuery),
    responses(
        (status = 200, description = "探访关爱概况:{day, year, places: [{place, name, level, period: {due, visited}, year: {due, visited}}], total_period, total_year, schedules: [{household, place, frequency, periods: [{start, deadline, label, visits, state}], last_visit}]}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这个地点", body = ErrorBody),
        (status = 422, description = "日期无效", body = ErrorBody),
    ))]
async fn api_visits(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<VisitsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let o = web
        .app
        .assist_visit_overview(
            &who.user.login,
            nonempty(q.place.as_deref()).as_deref(),
            q.date,
        )
        .await?;
    Ok(Json(serde_json::to_value(o).unwrap_or_default()))
}

fn new_visit(body: &serde_json::Value, today: NaiveDate) -> Result<NewVisit, ApiError> {
    let s = |k: &str| {
        body.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let household = s("household");
    if household.trim().is_empty() {
        return Err(ApiError::invalid("请给出户编号(household)"));
    }
    let date = match body.get("date").and_then(|v| v.as_str()) {
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("探访日期应为 2025-10-15 这样的日期"))?,
        None => today,
    };
    let mode: VisitMode = match body.get("mode").and_then(|v| v.as_str()) {
        Some(m) => m
            .parse()
            .map_err(|_| ApiError::invalid(format!("探访方式“{m}”应为入户、电话或视频")))?,
        None => VisitMode::Home,
    };
    let needs_found = match body.get("needs_found") {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Some(serde_json::Value::String(t)) => t.split([',', '、', ',']).map(String::from).collect(),
        _ => Vec::new(),
    };
    Ok(NewVisit {
        household,
        date,
        visitor: s("visitor"),
        mode,
        findings: s("findings"),
        needs_found,
        follow_up: s("follow_up"),
        demo: false,
    })
}

#[utoipa::path(post, path = "/api/v1/assist/visits", tag = "assist",
    request_body(content = serde_json::Value, description = "一次探访:{household(户编号), date(默认今天), visitor(探访人), mode(home 入户 / phone 电话 / video 视频), findings(探访情况), needs_found(发现的需求,列表), follow_up(后续跟进)}"),
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已记录(已审计;随即扫描该户预警、重新计算探访关爱率):{id, household, place, date, visitor, mode, findings, needs_found, follow_up, by, demo}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这一户,或不在本人辖区", body = ErrorBody),
        (status = 422, description = "内容有误(逐项列出)", body = ErrorBody),
    ))]
async fn api_record_visit(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let v = new_visit(&body, web.app.today())?;
    let saved = web.app.record_assist_visit(&who.user.login, v).await?;
    Ok(Json(serde_json::to_value(saved).unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/assist/visits/{id}", tag = "assist",
    params(("id" = String, Path, description = "探访记录编号")),
    responses(
        (status = 200, description = "一次探访", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这次探访,或不在本人辖区", body = ErrorBody),
    ))]
async fn api_visit(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let v = web.app.assist_visit(&who.user.login, &id).await?;
    Ok(Json(serde_json::to_value(v).unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/assist/visit-plan", tag = "assist",
    responses(
        (status = 200, description = "探访计划:{rows: [{category, frequency}], version}(多个类别取最频繁者)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_visit_plan(
    State(web): State<Shared>,
    _who: Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let p = web.app.assist_visit_plan().await?;
    Ok(Json(serde_json::to_value(p).unwrap_or_default()))
}

fn flag_filter(q: &FlagsQuery) -> Result<FlagFilter, ApiError> {
    Ok(FlagFilter {
        place: nonempty(q.place.as_deref()),
        assignee: nonempty(q.assignee.as_deref()),
        state: parse_opt::<FlagState>(q.state.as_deref(), "预警状态")?,
        household: None,
    })
}

#[utoipa::path(get, path = "/api/v1/assist/flags", tag = "assist", params(FlagsQuery),
    responses(
        (status = 200, description = "监测预警:{flags: [{id, household, place, kind, trigger, detail, raised, deadline, assignee, state, outcome, note, handled_by, handled_on, demo, now, version}]}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这个地点或状态", body = ErrorBody),
    ))]
async fn api_flags(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<FlagsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let list = web
        .app
        .assist_flags(&who.user.login, &flag_filter(&q)?)
        .await?;
    Ok(Json(serde_json::json!({ "flags": list })))
}

#[utoipa::path(get, path = "/api/v1/assist/flags/{id}", tag = "assist",
    params(("id" = String, Path, description = "预警编号")),
    responses(
        (status = 200, description = "一条预警", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这条预警,或不在本人辖区", body = ErrorBody),
    ))]
async fn api_flag(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let f = web.app.assist_flag(&who.user.login, &id).await?;
    Ok(Json(serde_json::to_value(f).unwrap_or_default()))
}

#[utoipa::path(post, path = "/api/v1/assist/flags/{id}/handle", tag = "assist",
    request_body = AssistHandleIn,
    params(
        ("id" = String, Path, description = "预警编号"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已处理(已审计),返回这条预警", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这条预警(或不在本人辖区),或处理结果不认识", body = ErrorBody),
        (status = 409, description = "预警已被他人修改", body = ErrorBody),
        (status = 422, description = "已处理过,或未写明核查情况", body = ErrorBody),
    ))]
async fn api_handle_flag(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssistHandleIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let outcome = parse_opt::<Outcome>(Some(&body.outcome), "处理结果")?
        .ok_or_else(|| ApiError::NotFound("处理结果“”".into()))?;
    let f = web
        .app
        .handle_assist_flag(&who.user.login, &id, outcome, &body.note)
        .await?;
    Ok(Json(serde_json::to_value(f).unwrap_or_default()))
}

#[utoipa::path(post, path = "/api/v1/assist/flags/scan", tag = "assist",
    request_body = AssistScanIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "扫描完毕:{raised: [新增的预警]}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这一户,或不在本人辖区", body = ErrorBody),
        (status = 422, description = "请求体无效(须为 JSON,可为 {})", body = ErrorBody),
    ))]
async fn api_scan_flags(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<AssistScanIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let raised = web
        .app
        .scan_assist_flags(
            &who.user.login,
            nonempty(body.household.as_deref()).as_deref(),
        )
        .await?;
    Ok(Json(serde_json::json!({ "raised": raised })))
}

// ---- pages ----

fn pct(c: &Chrome, r: &Rate) -> String {
    r.percent()
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| if c.en { "none due" } else { "无应探访" }.into())
}

fn households(c: &Chrome, n: usize) -> String {
    if c.en {
        format!("{n}")
    } else {
        format!("{n}户")
    }
}

struct RateRow {
    place: String,
    name: String,
    due: String,
    done: String,
    rate: String,
    year_due: String,
    year_done: String,
    year_rate: String,
}

struct DueRow {
    household: String,
    head: String,
    place: String,
    frequency: String,
    period: String,
    deadline: String,
    state: String,
    last: String,
}

#[derive(Template)]
#[template(path = "assist_visits.html")]
struct VisitsPage {
    c: Chrome,
    title: String,
    notice: String,
    day: String,
    sel_place: String,
    towns: Vec<(String, String)>,
    rates: Vec<RateRow>,
    overdue: Vec<DueRow>,
    open: Vec<DueRow>,
    households: Vec<(String, String)>,
    modes: Vec<(&'static str, String)>,
    plan: Vec<(String, String)>,
    pick: String,
    can_rules: bool,
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    place: Option<String>,
    ok: Option<String>,
    household: Option<String>,
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

async fn visits_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/visits");
    let login = &who.user.login;
    let place = nonempty(q.place.as_deref());
    let o = web
        .app
        .assist_visit_overview(login, place.as_deref(), None)
        .await
        .map_err(|e| c.error(e))?;
    let list = web
        .app
        .assist_households(
            login,
            &youxiang_app::assist::HouseholdFilter {
                place: place.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| c.error(e))?;
    let heads: std::collections::HashMap<&str, String> = list
        .iter()
        .map(|e| (e.household.id.as_str(), e.household.head_name_masked()))
        .collect();
    let names: std::collections::HashMap<String, String> = {
        let s = web.app.read();
        s.tree
            .places()
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect()
    };
    let en = c.en;
    let rates = o
        .places
        .iter()
        .map(|p| RateRow {
            place: p.place.clone(),
            name: p.name.clone(),
            due: households(&c, p.period.due),
            done: households(&c, p.period.visited),
            rate: pct(&c, &p.period),
            year_due: households(&c, p.year.due),
            year_done: households(&c, p.year.visited),
            year_rate: pct(&c, &p.year),
        })
        .chain(std::iter::once(RateRow {
            place: String::new(),
            name: if en { "Total" } else { "合计" }.into(),
            due: households(&c, o.total_period.due),
            done: households(&c, o.total_period.visited),
            rate: pct(&c, &o.total_period),
            year_due: households(&c, o.total_year.due),
            year_done: households(&c, o.total_year.visited),
            year_rate: pct(&c, &o.total_year),
        }))
        .collect();
    let mut overdue = Vec::new();
    let mut open = Vec::new();
    for s in &o.schedules {
        let freq = s
            .frequency
            .map(|f| if en { f.label_en() } else { f.label_zh() })
            .unwrap_or("")
            .to_string();
        let row = |p: &youxiang_core::assist::visits::DuePeriod| DueRow {
            household: s.household.clone(),
            head: heads.get(s.household.as_str()).cloned().unwrap_or_default(),
            place: names
                .get(&s.place)
                .cloned()
                .unwrap_or_else(|| s.place.clone()),
            frequency: freq.clone(),
            period: match s.frequency {
                Some(f) if en => f.period_label_en(p.start),
                _ => p.label.clone(),
            },
            deadline: p.deadline.to_string(),
            state: if en {
                p.state.label_en()
            } else {
                p.state.label_zh()
            }
            .into(),
            last: s
                .last_visit
                .map(|d| d.to_string())
                .unwrap_or_else(|| if en { "never" } else { "无" }.into()),
        };
        for p in s.overdue() {
            overdue.push(row(p));
        }
        if let Some(p) = s.current(o.day).filter(|p| p.state == DueState::Open) {
            open.push(row(p));
        }
    }
    overdue.sort_by(|a, b| (&a.deadline, &a.household).cmp(&(&b.deadline, &b.household)));
    let plan = web
        .app
        .assist_visit_plan()
        .await
        .map_err(|e| c.error(e))?
        .plan
        .rows
        .iter()
        .map(|r| {
            if en {
                (r.category.label_en().into(), r.frequency.label_en().into())
            } else {
                (r.category.label_zh().into(), r.frequency.label_zh().into())
            }
        })
        .collect();
    let page = VisitsPage {
        title: if en { "Care visits" } else { "探访关爱" }.into(),
        notice: q.ok.unwrap_or_default(),
        day: o.day.to_string(),
        sel_place: place.unwrap_or_default(),
        towns: towns(&web),
        rates,
        overdue,
        open,
        households: list
            .iter()
            .map(|e| {
                (
                    e.household.id.clone(),
                    format!("{} {}", e.household.id, e.household.head_name_masked()),
                )
            })
            .collect(),
        modes: VisitMode::all()
            .iter()
            .map(|m| {
                (
                    m.code(),
                    if en { m.label_en() } else { m.label_zh() }.to_string(),
                )
            })
            .collect(),
        plan,
        pick: q.household.unwrap_or_default(),
        can_rules: web.app.may_set_assist_rules(login),
        c,
    };
    Ok(render(&page))
}

async fn visits_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/visits");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let date = if get("date").is_empty() {
        web.app.today()
    } else {
        NaiveDate::parse_from_str(&get("date"), "%Y-%m-%d")
            .map_err(|_| c.error(ApiError::invalid("探访日期无效")))?
    };
    let mode: VisitMode = get("mode")
        .parse()
        .map_err(|_| c.error(ApiError::invalid("请选择探访方式")))?;
    let v = NewVisit {
        household: get("household"),
        date,
        visitor: get("visitor"),
        mode,
        findings: get("findings"),
        needs_found: get("needs")
            .split([',', '、', ','])
            .map(String::from)
            .collect(),
        follow_up: get("follow_up"),
        demo: false,
    };
    let saved = web
        .app
        .record_assist_visit(&who.user.login, v)
        .await
        .map_err(|e| c.error(e))?;
    let msg = if c.en {
        format!("Visit to {} recorded", saved.household)
    } else {
        format!("已记录对{}的探访", saved.household)
    };
    Ok(back_to("/assist/visits", &msg))
}

struct FlagRow {
    id: String,
    household: String,
    place: String,
    kind: String,
    detail: String,
    assignee: String,
    deadline: String,
    state: String,
    overdue: bool,
    open: bool,
    outcome: String,
    note: String,
}

#[derive(Template)]
#[template(path = "assist_flags.html")]
struct FlagsPage {
    c: Chrome,
    title: String,
    notice: String,
    sel_place: String,
    sel_state: String,
    mine: bool,
    towns: Vec<(String, String)>,
    states: Vec<(&'static str, String)>,
    outcomes: Vec<(&'static str, String)>,
    rows: Vec<FlagRow>,
    counts: Vec<(String, usize, usize)>,
    can_rules: bool,
    rules: String,
}

#[derive(Debug, Deserialize)]
struct FlagsPageQuery {
    place: Option<String>,
    state: Option<String>,
    mine: Option<String>,
    ok: Option<String>,
}

async fn flags_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<FlagsPageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/flags");
    let en = c.en;
    let mine = q.mine.as_deref().is_some_and(|m| !m.is_empty());
    let filter = FlagFilter {
        place: nonempty(q.place.as_deref()),
        assignee: mine.then(|| who.user.login.clone()),
        state: parse_opt::<FlagState>(q.state.as_deref(), "预警状态").map_err(|e| c.error(e))?,
        household: None,
    };
    let list = web
        .app
        .assist_flags(&who.user.login, &filter)
        .await
        .map_err(|e| c.error(e))?;
    let names: std::collections::HashMap<String, String> = {
        let s = web.app.read();
        s.tree
            .places()
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect()
    };
    let counts = youxiang_app::App::count_flags_by_kind(&list)
        .into_iter()
        .map(|(k, all, open)| {
            (
                if en { k.label_en() } else { k.label_zh() }.to_string(),
                all,
                open,
            )
        })
        .collect();
    let rows = list
        .iter()
        .map(|e| FlagRow {
            id: e.flag.id.clone(),
            household: e.flag.household.clone(),
            place: names
                .get(&e.flag.place)
                .cloned()
                .unwrap_or_else(|| e.flag.place.clone()),
            kind: if en {
                e.flag.kind.label_en()
            } else {
                e.flag.kind.label_zh()
            }
            .into(),
            detail: e.flag.detail.clone(),
            assignee: web
                .app
                .read()
                .reporter(&e.flag.assignee)
                .map(|r| format!("{}({})", r.name, r.unit))
                .unwrap_or_else(|| e.flag.assignee.clone()),
            deadline: e.flag.deadline.to_string(),
            state: if en {
                e.now.label_en()
            } else {
                e.now.label_zh()
            }
            .into(),
            overdue: e.now == FlagState::Overdue,
            open: e.now != FlagState::Handled,
            outcome: e
                .flag
                .outcome
                .map(|o| if en { o.label_en() } else { o.label_zh() })
                .unwrap_or("")
                .into(),
            note: e.flag.note.clone(),
        })
        .collect();
    let page = FlagsPage {
        title: if en {
            "Monitoring flags"
        } else {
            "监测预警"
        }
        .into(),
        notice: q.ok.unwrap_or_default(),
        sel_place: filter.place.clone().unwrap_or_default(),
        sel_state: filter
            .state
            .map(|s| s.code().to_string())
            .unwrap_or_default(),
        mine,
        towns: towns(&web),
        states: FlagState::all()
            .iter()
            .map(|s| {
                (
                    s.code(),
                    if en { s.label_en() } else { s.label_zh() }.into(),
                )
            })
            .collect(),
        outcomes: Outcome::all()
            .iter()
            .map(|s| {
                (
                    s.code(),
                    if en { s.label_en() } else { s.label_zh() }.into(),
                )
            })
            .collect(),
        rows,
        counts,
        can_rules: web.app.may_set_assist_rules(&who.user.login),
        rules: if en {
            String::new()
        } else {
            web.app
                .assist_flag_rules()
                .await
                .map_err(|e| c.error(e))?
                .rules
                .summary_zh()
        },
        c,
    };
    Ok(render(&page))
}

async fn flag_handle_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/flags");
    check_form(&c, &who, &form)?;
    let outcome: Outcome = field(&form, "outcome")
        .unwrap_or("")
        .parse()
        .map_err(|_| c.error(ApiError::invalid("请选择处理结果")))?;
    let note = field(&form, "note").unwrap_or("");
    web.app
        .handle_assist_flag(&who.user.login, &id, outcome, note)
        .await
        .map_err(|e| c.error(e))?;
    let msg = if c.en {
        format!("Flag {id} handled")
    } else {
        format!("预警{id}已处理")
    };
    Ok(back_to("/assist/flags", &msg))
}
