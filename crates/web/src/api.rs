//! The JSON API under `/api/v1`. Every handler checks who is asking: reads need a session,
//! raw values only within the user's scope, the audit trail only for the office and the
//! administrator; every write goes through [`youxiang_app::App`]'s one write path (which
//! checks role and scope row by row) and needs the session's CSRF token.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::{Reader, State as AppState, StatusFilter, StatusRow, status_rows};
use youxiang_core::completeness::{DEFAULT_DUE_DAYS, Window};
use youxiang_core::eval::Light;
use youxiang_core::period::Period;
use youxiang_core::scope::{Reporter, Role};
use youxiang_core::value::{Component, Transition, ValueKey, ValueState};
use youxiang_store::{AuditFilter, ValueFilter, ValueWrite};

use crate::Shared;
use crate::auth::{self, Authed, ClientIp};
use crate::error::{ApiError, ApiResult, ErrorBody, FileProblem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "youxiang 有享 API",
        description = "公共服务“七优享”工程:方案、地点、数据填报与审核、状态与灯号、解释、报送完整性、审计。\
            先 POST /api/v1/session 登录(会话 Cookie),写操作需带 X-CSRF-Token 头。",
        version = "1"
    ),
    paths(
        sign_in,
        sign_out,
        whoami,
        plan,
        places,
        status,
        overview,
        explain,
        completeness,
        audit,
        get_values,
        post_values,
        transition,
        upload
    ),
    components(schemas(
        ErrorBody,
        FileProblem,
        SignIn,
        SessionInfo,
        PlaceOut,
        StatusRowOut,
        OverviewOut,
        DomainCount,
        LightCounts,
        HeadlineRow,
        TargetPoint,
        SeriesPoint,
        CompletenessOut,
        AuditOut,
        ValueOut,
        ValueIn,
        KeyIn,
        TransitionIn,
        TransitionOut,
        WriteOut,
        UploadForm
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v1/session",
            post(sign_in).get(whoami).delete(sign_out),
        )
        .route("/api/v1/plan", get(plan))
        .route("/api/v1/places", get(places))
        .route("/api/v1/status", get(status))
        .route("/api/v1/overview", get(overview))
        .route("/api/v1/explain/{indicator}/{place}/{period}", get(explain))
        .route("/api/v1/completeness", get(completeness))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/values", get(get_values).post(post_values))
        .route("/api/v1/values/transition", post(transition))
        .route("/api/v1/uploads", post(upload))
}

pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    body.map(|Json(t)| t)
        .map_err(|e| ApiError::invalid(format!("请求体无效:{}", e.body_text())))
}

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::invalid(format!("查询参数无效:{}", e.body_text())))
}

pub(crate) fn parse_period(text: &str) -> ApiResult<Period> {
    text.parse::<Period>()
        .map_err(|e| ApiError::invalid(format!("期间“{text}”无效:{e}")))
}

pub(crate) fn parse_date(text: &str, what: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("{what}“{text}”不是日期(应为 2025-06-30)")))
}

fn parse_time(text: &str, what: &str) -> ApiResult<NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| parse_date(text, what).map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .map_err(|_| {
            ApiError::invalid(format!(
                "{what}“{text}”不是时间(应为 2025-06-30 或 2025-06-30T08:00:00)"
            ))
        })
}

fn is_office(user: &Reporter) -> bool {
    matches!(user.role, Role::Admin | Role::Office)
}

// ---------------------------------------------------------------------------------------
// Session

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignIn {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    pub login: String,
    pub name: String,
    pub unit: String,
    /// `admin`, `office`, `department_reporter`, `town_reporter`, `village_reporter`, `viewer`.
    pub role: String,
    pub role_zh: String,
    /// Codes of the places whose subtrees are in scope.
    pub places: Vec<String>,
    /// Codes of the indicators in scope; empty = all.
    pub indicators: Vec<String>,
    /// Send this in the `X-CSRF-Token` header of every write.
    pub csrf_token: String,
}

pub(crate) fn session_info(user: &Reporter, csrf: &str) -> SessionInfo {
    SessionInfo {
        login: user.login.clone(),
        name: user.name.clone(),
        unit: user.unit.clone(),
        role: user.role.as_str().into(),
        role_zh: user.role.label_zh().into(),
        places: user.scope.places.clone(),
        indicators: user.scope.indicators.clone(),
        csrf_token: csrf.to_string(),
    }
}

/// Signs in; checks the throttle first, records failures per login and address.
pub async fn start_session(
    web: &Shared,
    ip: ClientIp,
    login: &str,
    password: &str,
) -> ApiResult<(Reporter, String, String)> {
    let login = login.trim();
    let attempt = web.throttle.begin(login, ip.0).map_err(|r| match r {
        auth::Refused::Locked(secs) => ApiError::Throttled(secs),
        auth::Refused::InFlight => ApiError::Busy("该账号的另一次登录正在验证,请稍后再试".into()),
    })?;
    if !attempt.delay.is_zero() {
        tokio::time::sleep(attempt.delay).await;
    }
    let stored = auth::check_password(&web.app, login, password).await?;
    // Users as they are now (a change made while the password was being verified counts).
    web.app.refresh_users().await?;
    let (user, stamp) = {
        let state = web.app.read();
        let user = state.reporter(login).cloned();
        let stamp = state.credentials.get(login).map(|c| c.stamp.clone());
        (user, stamp)
    };
    match (stored, user, stamp) {
        (Some(stored), Some(user), Some(stamp)) => {
            attempt.succeeded();
            let due = auth::change_due(&stored, web.config.password_max_age_days);
            let (id, csrf) = web.sessions.create(&user.login, &stamp, due)?;
            Ok((user, id, csrf))
        }
        _ => Err(ApiError::Unauthorized("用户名或密码错误".into())),
    }
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses(
        (status = 200, description = "已登录;会话 Cookie 已设置", body = SessionInfo),
        (status = 401, description = "用户名或密码错误", body = ErrorBody),
        (status = 422, description = "请求体无效", body = ErrorBody),
        (status = 429, description = "登录失败次数过多", body = ErrorBody),
    ))]
async fn sign_in(
    State(web): State<Shared>,
    ip: ClientIp,
    body: Result<Json<SignIn>, JsonRejection>,
) -> ApiResult<Response> {
    let body = json_body(body)?;
    let (user, id, csrf) = start_session(&web, ip, &body.login, &body.password).await?;
    let cookie = auth::session_cookie(&id, web.config.secure_cookies, web.config.session_idle);
    let mut resp = Json(session_info(&user, &csrf)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses(
        (status = 200, description = "当前用户", body = SessionInfo),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn whoami(who: Authed) -> Json<SessionInfo> {
    Json(session_info(&who.user, &who.csrf))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 204, description = "已退出"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "CSRF 令牌无效", body = ErrorBody),
    ))]
async fn sign_out(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
) -> ApiResult<Response> {
    who.check_csrf_header(&headers)?;
    web.sessions.remove(&who.session);
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie(web.config.secure_cookies)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// Plan and places

#[utoipa::path(get, path = "/api/v1/plan", tag = "plan",
    responses(
        (status = 200, description = "当前方案(领域、指标、目标、任务、项目)", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn plan(State(web): State<Shared>, _who: Authed) -> Response {
    let plan = web.app.read().plan.clone();
    Json(&*plan).into_response()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceOut {
    pub code: String,
    pub name: String,
    /// `province`, `city`, `county`, `town`, `village`, `other`.
    pub level: String,
    pub level_zh: String,
    pub parent: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// Resident population by year (persons).
    pub population: BTreeMap<String, f64>,
    /// Codes of the places directly below.
    pub children: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacesQuery {
    /// Only this place and its subtree.
    pub under: Option<String>,
    /// How many levels below `under` (0 = the place only).
    #[param(minimum = 0, maximum = 100)]
    pub depth: Option<u8>,
}

#[utoipa::path(get, path = "/api/v1/places", tag = "plan", params(PlacesQuery),
    responses(
        (status = 200, description = "地点(区、镇街、村社区)", body = Vec<PlaceOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn places(
    State(web): State<Shared>,
    _who: Authed,
    q: Result<Query<PlacesQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<PlaceOut>>> {
    let q = query(q)?;
    if q.depth.is_some_and(|d| d > 100) {
        return Err(ApiError::invalid("depth 应在 0 到 100 之间"));
    }
    let state = web.app.read();
    let tree = &state.tree;
    let ids: Vec<_> = match &q.under {
        Some(code) => {
            let root = tree
                .id(code)
                .ok_or_else(|| ApiError::NotFound(format!("地点“{code}”")))?;
            let base = tree.depth(root);
            tree.subtree(root)
                .into_iter()
                .filter(|id| {
                    q.depth
                        .is_none_or(|d| tree.depth(*id) - base <= u16::from(d))
                })
                .collect()
        }
        None => tree.ids().collect(),
    };
    Ok(Json(
        ids.into_iter()
            .map(|id| {
                let p = tree.get(id);
                PlaceOut {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    level: serde_json::to_value(p.level)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    level_zh: p.level.label_zh().into(),
                    parent: p.parent.clone(),
                    lon: p.lon,
                    lat: p.lat,
                    population: p
                        .population
                        .iter()
                        .map(|(y, n)| (y.to_string(), *n))
                        .collect(),
                    children: tree
                        .children(id)
                        .iter()
                        .map(|c| tree.get(*c).code.clone())
                        .collect(),
                }
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// Status and overview

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Place code; the plan's own place (the district) when absent.
    pub place: Option<String>,
    /// Target year; the latest year with data when absent.
    pub year: Option<i32>,
    /// A period within the year (`2025-06`, `2025Q2`, `2025H1`, `2025`): figures and lights
    /// as of that period.
    #[param(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: Option<String>,
    /// Domain code or name.
    pub domain: Option<String>,
    /// Include the task-text indicators, not only the table's 20.
    pub all: Option<bool>,
}

/// One row of the status table (see `youxiang status`).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusRowOut {
    pub domain: String,
    pub domain_name: String,
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub place: String,
    pub place_name: String,
    pub year: i32,
    /// The year's target exactly as the plan writes it.
    pub target: String,
    /// The period of the figure (`2025-09`), if any.
    pub as_of: Option<String>,
    pub as_of_zh: Option<String>,
    pub value: Option<f64>,
    /// `green`, `yellow`, `red`, `grey`.
    pub light: String,
    /// 达标 / 预警 / 滞后 / 无数据.
    pub light_zh: String,
    /// Gap behind the schedule in percentage points of the year's task.
    pub gap: Option<f64>,
    pub year_status: String,
    pub progress: String,
    pub score: Option<f64>,
}

fn enum_str<T: Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

pub fn light_str(l: Light) -> &'static str {
    match l {
        Light::Green => "green",
        Light::Yellow => "yellow",
        Light::Red => "red",
        Light::Grey => "grey",
    }
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

impl From<&StatusRow> for StatusRowOut {
    fn from(r: &StatusRow) -> Self {
        StatusRowOut {
            domain: r.domain.clone(),
            domain_name: r.domain_name.clone(),
            indicator: r.indicator.clone(),
            name: r.name.clone(),
            unit: r.unit.clone(),
            place: r.place.clone(),
            place_name: r.place_name.clone(),
            year: r.year,
            target: r.target.clone(),
            as_of: r.as_of.map(|p| p.to_string()),
            as_of_zh: r.as_of.map(|p| p.label_zh()),
            value: finite(r.value),
            light: light_str(r.light).into(),
            light_zh: r.light_zh.clone(),
            gap: finite(r.gap),
            year_status: enum_str(&r.year_status),
            progress: enum_str(&r.progress),
            score: finite(r.score),
        }
    }
}

pub fn status_filter(q: &StatusQuery) -> ApiResult<StatusFilter> {
    Ok(StatusFilter {
        place: q.place.clone(),
        year: q.year,
        period: q.period.as_deref().map(parse_period).transpose()?,
        domain: q.domain.clone(),
        all: q.all.unwrap_or(false),
    })
}

/// The status rows `reader` may see: drafts only where their role reports or approves and
/// their scope covers the row.
pub fn rows_for(
    state: &AppState,
    reader: Reader<'_>,
    filter: &StatusFilter,
) -> ApiResult<Vec<StatusRow>> {
    if let Some(p) = &filter.place
        && state.tree.id(p).is_none()
    {
        return Err(ApiError::NotFound(format!("地点“{p}”")));
    }
    if let Some(y) = filter.period.map(|p| p.year()).or(filter.year)
        && !state.plan.target_years.contains(&y)
    {
        return Err(ApiError::NotFound(format!(
            "{y} 年不是方案目标年份({:?})",
            state.plan.target_years
        )));
    }
    status_rows(state, reader, filter).map_err(ApiError::invalid)
}

#[utoipa::path(get, path = "/api/v1/status", tag = "status", params(StatusQuery),
    responses(
        (status = 200, description = "状态表:每个指标的数值、目标、灯号", body = Vec<StatusRowOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn status(
    State(web): State<Shared>,
    who: Authed,
    uri: Uri,
    q: Result<Query<StatusQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let filter = status_filter(&query(q)?)?;
    let reader = Reader::Person(&who.user);
    cached_json(
        &web,
        "status",
        &uri,
        reader,
        filter.place.as_deref(),
        |state| {
            let rows = rows_for(state, reader, &filter)?;
            Ok(rows.iter().map(StatusRowOut::from).collect::<Vec<_>>())
        },
    )
}

/// Which figures `reader` sees at `place` (the plan's place when `None`): `-` when only
/// the official ones, else one bit per indicator of the plan (set where drafts count), in
/// hexadecimal. Two readers with the same view get the same answer from the same query,
/// and only they: the response cache keys on it, so one reader's drafts never reach
/// another.
fn view_key(state: &AppState, reader: Reader<'_>, place: Option<&str>) -> String {
    let place = place.unwrap_or(&state.plan.place);
    let live: Vec<bool> = state
        .plan
        .indicators
        .iter()
        .map(|i| state.sees_drafts(reader, place, &i.code))
        .collect();
    if !live.contains(&true) {
        return "-".into();
    }
    live.chunks(4)
        .map(|bits| {
            let n = bits
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << i));
            char::from_digit(n, 16).unwrap_or('?')
        })
        .collect()
}

/// The answer of a read that depends only on the query, the figures `reader` may see at
/// `place` and the engines' state (the caller has checked the session), from the response
/// cache when it was computed at the engines' current generation for the same view, else
/// computed under the read lock and kept.
fn cached_json<T: Serialize>(
    web: &crate::Web,
    endpoint: &str,
    uri: &Uri,
    reader: Reader<'_>,
    place: Option<&str>,
    compute: impl FnOnce(&AppState) -> ApiResult<T>,
) -> ApiResult<Response> {
    let (generation, key, out) = {
        let state = web.app.read();
        let key = format!(
            "{endpoint}?{}#{}",
            uri.query().unwrap_or(""),
            view_key(&state, reader, place)
        );
        let generation = state.generation();
        if let Some(body) = web.cache.get(generation, &key) {
            return Ok(json_bytes(body));
        }
        (generation, key, compute(&state)?)
    };
    let body = Bytes::from(
        serde_json::to_vec(&out).map_err(|e| ApiError::Internal(format!("JSON: {e}")))?,
    );
    web.cache.put(generation, &key, body.clone());
    Ok(json_bytes(body))
}

fn json_bytes(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[derive(Debug, Default, Clone, Copy, Serialize, ToSchema)]
pub struct LightCounts {
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub grey: usize,
}

impl LightCounts {
    pub fn add(&mut self, l: Light) {
        match l {
            Light::Green => self.green += 1,
            Light::Yellow => self.yellow += 1,
            Light::Red => self.red += 1,
            Light::Grey => self.grey += 1,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainCount {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub lead_unit: String,
    pub lights: LightCounts,
    /// The indicator furthest behind (red before yellow, then the largest gap).
    pub worst: Option<String>,
    pub worst_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub period: String,
    pub value: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetPoint {
    pub year: i32,
    /// As the plan writes it.
    pub text: String,
    pub value: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeadlineRow {
    #[serde(flatten)]
    pub row: StatusRowOut,
    /// The figures by period at the place (for the sparkline).
    pub series: Vec<SeriesPoint>,
    /// The baseline and the yearly targets (the target path).
    pub targets: Vec<TargetPoint>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewOut {
    pub place: String,
    pub place_name: String,
    pub year: i32,
    pub period: Option<String>,
    pub lights: LightCounts,
    pub domains: Vec<DomainCount>,
    pub headline: Vec<HeadlineRow>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Place code; the district when absent.
    pub place: Option<String>,
    pub year: Option<i32>,
    /// As of this period (`2025-06`).
    #[param(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: Option<String>,
}

fn light_rank(l: Light) -> u8 {
    match l {
        Light::Red => 3,
        Light::Yellow => 2,
        Light::Grey => 0,
        Light::Green => 1,
    }
}

/// The overview of a place as `reader` may see it: light counts overall and by domain,
/// and the headline rows.
pub fn build_overview(
    state: &AppState,
    reader: Reader<'_>,
    q: &OverviewQuery,
) -> ApiResult<OverviewOut> {
    let filter = StatusFilter {
        place: q.place.clone(),
        year: q.year,
        period: q.period.as_deref().map(parse_period).transpose()?,
        domain: None,
        all: false,
    };
    let rows = rows_for(state, reader, &filter)?;
    let place = filter
        .place
        .clone()
        .unwrap_or_else(|| state.plan.place.clone());
    let place_name = state
        .tree
        .by_code(&place)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let year = rows.first().map(|r| r.year).or(q.year).unwrap_or(0);
    let mut lights = LightCounts::default();
    let mut domains = Vec::new();
    for d in &state.plan.domains {
        let mut c = LightCounts::default();
        let mut worst: Option<&StatusRow> = None;
        for r in rows.iter().filter(|r| r.domain == d.code) {
            c.add(r.light);
            let worse = match worst {
                None => light_rank(r.light) >= 2,
                Some(w) => {
                    (light_rank(r.light), r.gap.unwrap_or(0.0))
                        > (light_rank(w.light), w.gap.unwrap_or(0.0))
                }
            };
            if worse {
                worst = Some(r);
            }
        }
        domains.push(DomainCount {
            code: d.code.clone(),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            lead_unit: d.lead_unit.clone(),
            lights: c,
            worst: worst.map(|w| w.indicator.clone()),
            worst_name: worst.map(|w| w.name.clone()),
        });
    }
    let mut headline = Vec::new();
    for r in &rows {
        lights.add(r.light);
        let ind = state.plan.indicator(&r.indicator);
        let series = state
            .view_for(reader, &place, &r.indicator)
            .series_at(&r.indicator, &place)
            .into_iter()
            .filter(|(p, v)| v.is_finite() && filter.period.is_none_or(|f| *p <= f))
            .map(|(p, v)| SeriesPoint {
                period: p.to_string(),
                value: v,
            })
            .collect();
        let targets = ind
            .map(|i| {
                std::iter::once((state.plan.baseline_year, &i.baseline))
                    .chain(i.targets.iter().map(|(y, t)| (*y, t)))
                    .map(|(y, t)| TargetPoint {
                        year: y,
                        text: t.text.clone(),
                        value: finite(t.value),
                    })
                    .collect()
            })
            .unwrap_or_default();
        headline.push(HeadlineRow {
            row: r.into(),
            series,
            targets,
        });
    }
    Ok(OverviewOut {
        place,
        place_name,
        year,
        period: filter.period.map(|p| p.to_string()),
        lights,
        domains,
        headline,
    })
}

#[utoipa::path(get, path = "/api/v1/overview", tag = "status", params(OverviewQuery),
    responses(
        (status = 200, description = "驾驶舱:7 个领域的灯号计数与 20 项主要指标", body = OverviewOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn overview(
    State(web): State<Shared>,
    who: Authed,
    uri: Uri,
    q: Result<Query<OverviewQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let reader = Reader::Person(&who.user);
    cached_json(
        &web,
        "overview",
        &uri,
        reader,
        q.place.as_deref(),
        |state| build_overview(state, reader, &q),
    )
}

#[utoipa::path(get, path = "/api/v1/explain/{indicator}/{place}/{period}", tag = "status",
    params(
        ("indicator" = String, Path, description = "指标代码,如 T02"),
        ("place" = String, Path, description = "地点代码,如 330902"),
        ("period" = String, Path, description = "期间,如 2025-09", pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$"),
    ),
    responses(
        (status = 200, description = "数值来源、规则、各项状态及其输入与公式", body = Object),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "指标或地点不存在", body = ErrorBody),
        (status = 422, description = "期间无效", body = ErrorBody),
    ))]
async fn explain(
    State(web): State<Shared>,
    who: Authed,
    Path((indicator, place, period)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let period = parse_period(&period)?;
    let state = web.app.read();
    let e = state
        .view_for(Reader::Person(&who.user), &place, &indicator)
        .explain(&indicator, &place, period)
        .ok_or_else(|| ApiError::NotFound(format!("指标“{indicator}”或地点“{place}”")))?;
    // Non-finite numbers cannot be JSON: serialise through Value, which refuses them.
    let v = serde_json::to_value(&e).map_err(|e| ApiError::Internal(format!("explain: {e}")))?;
    Ok(Json(v).into_response())
}

// ---------------------------------------------------------------------------------------
// Completeness and audit

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompletenessQuery {
    /// First day of the window (`2025-01-01`); 1 January of `as_of`'s year when absent; at
    /// most six years before `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day of the window; `as_of` when absent.
    #[param(format = Date)]
    pub to: Option<String>,
    /// The day to judge by; today when absent.
    #[param(format = Date)]
    pub as_of: Option<String>,
    /// Days after a period's end by which a report is due (10).
    #[param(minimum = 0, maximum = 366)]
    pub due_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompletenessOut {
    pub reporter: String,
    pub reporter_name: String,
    pub unit: String,
    pub period: String,
    pub period_zh: String,
    pub due: String,
    pub expected: usize,
    pub received: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub pending: usize,
    /// Received ÷ expected, in percent.
    pub rate: f64,
}

pub fn completeness_window(q: &CompletenessQuery) -> ApiResult<Window> {
    let today = match &q.as_of {
        Some(t) => parse_date(t, "as_of")?,
        None => youxiang_app::manage::today(),
    };
    let from = match &q.from {
        Some(t) => parse_date(t, "from")?,
        None => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
    };
    let to = match &q.to {
        Some(t) => parse_date(t, "to")?,
        None => today,
    };
    // from after to is an empty window (no rows), not an error.
    let to = to.max(from.pred_opt().unwrap_or(from));
    // At most six years back from `to` (the whole plan period): older reports are not due.
    let from = from.max(
        to.checked_sub_signed(chrono::Duration::days(366 * 6))
            .unwrap_or(to),
    );
    let due_days = q.due_days.unwrap_or(DEFAULT_DUE_DAYS);
    if !(0..=366).contains(&due_days) {
        return Err(ApiError::invalid("due_days 应在 0 到 366 之间"));
    }
    Ok(Window {
        from,
        to,
        today,
        due_days,
    })
}

#[utoipa::path(get, path = "/api/v1/completeness", tag = "reporting", params(CompletenessQuery),
    responses(
        (status = 200, description = "每个填报人每期应报、已报、按时、逾期、缺报(非专班用户只看到自己的)", body = Vec<CompletenessOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn completeness(
    State(web): State<Shared>,
    who: Authed,
    q: Result<Query<CompletenessQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<CompletenessOut>>> {
    let window = completeness_window(&query(q)?)?;
    let rows = web.app.completeness(window).await?;
    let all = is_office(&who.user) || who.user.role == Role::Viewer;
    Ok(Json(
        rows.into_iter()
            .filter(|r| all || r.reporter == who.user.login)
            .map(|r| CompletenessOut {
                rate: if r.rate().is_finite() {
                    r.rate() * 100.0
                } else {
                    0.0
                },
                reporter: r.reporter,
                reporter_name: r.reporter_name,
                unit: r.unit,
                period: r.period.to_string(),
                period_zh: r.period.label_zh(),
                due: r.due.to_string(),
                expected: r.expected,
                received: r.received,
                on_time: r.on_time,
                late: r.late,
                missing: r.missing,
                pending: r.pending,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub actor: Option<String>,
    /// `value.write`, `value.approve`, `user.password`, …
    pub action: Option<String>,
    /// From this time on (`2025-06-01T08:00:00Z`, or `2025-06-01`, UTC).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Before this time.
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// At most this many rows, newest first (100; at most 1,000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Option<String>,
    pub hash: String,
    /// Where the action came from: `cli:<os-user>@<host>` for the command line (the
    /// operating-system user who ran it); null for the web (the signed-in user) and for rows
    /// written before origins were recorded.
    #[schema(example = "cli:root@host")]
    pub origin: Option<String>,
}

pub fn audit_filter(q: &AuditQuery) -> ApiResult<AuditFilter> {
    Ok(AuditFilter {
        place: q.place.clone(),
        indicator: q.indicator.clone(),
        actor: q.actor.clone(),
        action: q.action.clone(),
        since: q
            .since
            .as_deref()
            .map(|t| parse_time(t, "since"))
            .transpose()?,
        until: q
            .until
            .as_deref()
            .map(|t| parse_time(t, "until"))
            .transpose()?,
        limit: Some(match q.limit {
            None => 100,
            Some(n @ 1..=1000) => n as usize,
            Some(n) => return Err(ApiError::invalid(format!("limit {n} 应在 1 到 1000 之间"))),
        }),
    })
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses(
        (status = 200, description = "审计记录,新的在前(仅工作专班与管理员)", body = Vec<AuditOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn audit(
    State(web): State<Shared>,
    who: Authed,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<AuditOut>>> {
    if !who.user.role.can_read_audit() {
        return Err(ApiError::Forbidden(vec![format!(
            "{}({})无权查看审计记录",
            who.user.name,
            who.user.role.label_zh()
        )]));
    }
    let filter = audit_filter(&query(q)?)?;
    let rows = web.app.audit_query(&filter).await?;
    Ok(Json(
        rows.into_iter()
            .map(|e| AuditOut {
                seq: e.seq,
                at: e.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                actor: e.actor,
                action: e.action,
                entity: e.entity,
                place: e.place,
                indicator: e.indicator,
                period: e.period,
                old: e.old,
                new: e.new,
                reason: e.reason,
                hash: e.hash,
                origin: e.origin,
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// Values

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuesQuery {
    pub indicator: Option<String>,
    pub place: Option<String>,
    #[param(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: Option<String>,
    /// `draft`, `submitted`, `approved`.
    #[param(pattern = "^(draft|submitted|approved)$")]
    pub state: Option<String>,
    /// At most this many rows (1,000; at most 10,000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
    /// The next page: the `X-Next-After` header of the previous answer
    /// (`indicator|place|period|component`); rows come in that key order.
    #[param(
        pattern = r"^([^|]+\|[^|]+\|[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?\|(value|numerator|denominator))?$"
    )]
    pub after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValueOut {
    pub indicator: String,
    pub place: String,
    pub period: String,
    /// `value`, `numerator`, `denominator`.
    pub component: String,
    pub value: f64,
    /// `draft`, `submitted`, `approved`.
    pub state: String,
    pub state_zh: String,
    pub reporter: String,
    pub reported_at: String,
    pub comment: String,
}

#[utoipa::path(get, path = "/api/v1/values", tag = "values", params(ValuesQuery),
    responses(
        (status = 200, description = "已报数据(仅本人范围内的地点和指标),按 指标、地点、期间、分项 排序;还有下一页时带 X-Next-After 头(作为下一次的 after 参数)", body = Vec<ValueOut>,
            headers(("X-Next-After" = String, description = "下一页的 after 参数;没有下一页时不出现"))),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "所问地点或指标不在本人范围内", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn get_values(
    State(web): State<Shared>,
    who: Authed,
    q: Result<Query<ValuesQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let state_filter = match q.state.as_deref() {
        None => None,
        Some(s) => Some(ValueState::parse(s).ok_or_else(|| {
            ApiError::invalid(format!("状态“{s}”无效(draft/submitted/approved)"))
        })?),
    };
    let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => Some(cursor_key(a).ok_or_else(|| {
            ApiError::invalid(format!(
                "after“{a}”无效(应为 指标|地点|期间|分项,取自上一页的 X-Next-After)"
            ))
        })?),
    };
    let mut filter = ValueFilter {
        indicator: q.indicator.clone(),
        place: q.place.clone(),
        period: q.period.as_deref().map(parse_period).transpose()?,
        state: state_filter,
        after,
        limit: None,
    };
    {
        let state = web.app.read();
        let mut refused = Vec::new();
        if let Some(p) = &q.place {
            match state.tree.id(p) {
                None => return Err(ApiError::NotFound(format!("地点“{p}”"))),
                Some(id) if !who.user.scope.covers_place(&state.tree, id) => {
                    refused.push(format!("地点 {p} 不在 {} 的范围内", who.user.name))
                }
                Some(_) => {}
            }
        }
        if let Some(i) = &q.indicator
            && !who.user.scope.covers_indicator(i)
        {
            refused.push(format!("指标 {i} 不在 {} 的范围内", who.user.name));
        }
        if !refused.is_empty() {
            return Err(ApiError::Forbidden(refused));
        }
    }
    let limit = match q.limit {
        None => 1000,
        Some(n @ 1..=10_000) => n as usize,
        Some(n) => return Err(ApiError::invalid(format!("limit {n} 应在 1 到 10000 之间"))),
    };
    // Read in pages from the store (never the whole table at once), keep what the user's
    // scope covers, stop at the limit: memory and time bounded by the page, not the data.
    let chunk = limit.max(1000);
    filter.limit = Some(chunk);
    let mut kept = Vec::new();
    let mut more = false;
    'pages: loop {
        let page = web.app.db().get_values(&filter).await?;
        let full = page.len() == chunk;
        filter.after = page.last().map(|o| o.key.clone());
        let state = web.app.read();
        for o in page {
            let in_scope = state
                .tree
                .id(&o.key.place)
                .is_some_and(|id| who.user.scope.covers(&state.tree, id, &o.key.indicator));
            // A draft only to whom it is live: a read-only role (a viewer) sees the
            // submitted and approved values of its scope, never the drafts.
            let shown = o.state != ValueState::Draft
                || state.sees_drafts(Reader::Person(&who.user), &o.key.place, &o.key.indicator);
            if in_scope && shown && o.value.is_finite() {
                if kept.len() == limit {
                    more = true;
                    break 'pages;
                }
                kept.push(o);
            }
        }
        if !full {
            break;
        }
    }
    let next = if more {
        kept.last().map(|o| o.key.clone())
    } else {
        None
    };
    let out: Vec<ValueOut> = kept
        .into_iter()
        .map(|o| ValueOut {
            indicator: o.key.indicator,
            place: o.key.place,
            period: o.key.period.to_string(),
            component: o.key.component.as_str().into(),
            value: o.value,
            state: o.state.as_str().into(),
            state_zh: o.state.label_zh().into(),
            reporter: o.reporter,
            reported_at: o.reported_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            comment: o.comment,
        })
        .collect();
    let mut resp = Json(out).into_response();
    if let Some(k) = next {
        let cursor = format!(
            "{}|{}|{}|{}",
            k.indicator,
            k.place,
            k.period,
            k.component.as_str()
        );
        // Codes are plain text; one that is not a valid header value just has no link.
        if let Ok(v) = HeaderValue::from_str(&cursor) {
            resp.headers_mut().insert("x-next-after", v);
        }
    }
    Ok(resp)
}

/// One number to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ValueIn {
    pub indicator: String,
    pub place: String,
    /// `2025`, `2025H1`, `2025Q2`, `2025-06`, `2025W05`.
    #[schema(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: String,
    /// `value` (default), `numerator`, `denominator`.
    #[serde(default)]
    #[schema(pattern = "^(value|numerator|denominator)$")]
    pub component: Option<String>,
    #[schema(minimum = -1e12, maximum = 1e12)]
    pub value: f64,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A value's key.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct KeyIn {
    pub indicator: String,
    pub place: String,
    #[schema(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: String,
    #[serde(default)]
    #[schema(pattern = "^(value|numerator|denominator)$")]
    pub component: Option<String>,
}

/// A paging cursor exactly as `X-Next-After` writes it: no spaces trimmed, no other
/// spellings of the period or the component.
fn cursor_key(text: &str) -> Option<ValueKey> {
    let parts: Vec<&str> = text.split('|').collect();
    let [indicator, place, period_text, component_text] = parts[..] else {
        return None;
    };
    if indicator.is_empty() || place.is_empty() {
        return None;
    }
    // A cursor is a position in key order: its codes need not exist, and are kept verbatim.
    let period: Period = period_text.parse().ok()?;
    let component = Component::parse(component_text)?;
    let canonical = period.to_string() == period_text && component.as_str() == component_text;
    canonical.then(|| ValueKey {
        indicator: indicator.to_string(),
        place: place.to_string(),
        period,
        component,
    })
}

fn key_of(
    indicator: &str,
    place: &str,
    period: &str,
    component: Option<&str>,
) -> Result<ValueKey, String> {
    let period = period
        .parse::<Period>()
        .map_err(|e| format!("期间“{period}”无效:{e}"))?;
    let component = match component {
        None | Some("") => Component::Value,
        Some(c) => Component::parse(c)
            .ok_or_else(|| format!("分项“{c}”无效(value/numerator/denominator)"))?,
    };
    Ok(ValueKey {
        indicator: indicator.trim().to_string(),
        place: place.trim().to_string(),
        period,
        component,
    })
}

/// Checks the written values against the plan and places (unknown codes, periods, numbers
/// out of range), listing every problem with its position in the list.
pub fn to_writes(state: &AppState, values: &[ValueIn]) -> Result<Vec<ValueWrite>, Vec<String>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, v) in values.iter().enumerate() {
        let n = n + 1;
        let key = match key_of(&v.indicator, &v.place, &v.period, v.component.as_deref()) {
            Ok(k) => k,
            Err(e) => {
                errors.push(format!("第{n}条:{e}"));
                continue;
            }
        };
        if state.plan.indicator(&key.indicator).is_none() {
            errors.push(format!("第{n}条:指标“{}”不存在", key.indicator));
        }
        if state.tree.id(&key.place).is_none() {
            errors.push(format!("第{n}条:地点“{}”不存在", key.place));
        }
        if !v.value.is_finite() || v.value.abs() > youxiang_engine::MAX_ABS {
            errors.push(format!("第{n}条:数值 {} 超出可处理范围", v.value));
        }
        if !seen.insert(key.clone()) {
            errors.push(format!("第{n}条:{key} 重复"));
        }
        out.push(ValueWrite {
            key,
            value: v.value,
            comment: v.comment.clone().unwrap_or_default(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WriteOut {
    pub changed: usize,
    pub unchanged: usize,
    /// Places whose shown figures changed (the written ones and the roll-ups above).
    pub places_updated: usize,
    pub warnings: Vec<FileProblem>,
    /// What went wrong after the commit (the write stands); empty normally.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/values", tag = "values", request_body = Vec<ValueIn>,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已写入(全部或全不)", body = WriteOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权填报(逐条列出)或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "指标或地点不存在(逐条列出)", body = ErrorBody),
        (status = 409, description = "数据已审核锁定", body = ErrorBody),
        (status = 422, description = "数据无效(逐条列出)", body = ErrorBody),
    ))]
async fn post_values(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    body: Result<Json<Vec<ValueIn>>, JsonRejection>,
) -> ApiResult<Json<WriteOut>> {
    who.check_csrf_header(&headers)?;
    let values = json_body(body)?;
    if values.is_empty() {
        return Ok(Json(WriteOut {
            changed: 0,
            unchanged: 0,
            places_updated: 0,
            warnings: vec![],
            notices: vec![],
        }));
    }
    let writes = to_writes(&web.app.read(), &values).map_err(|errors| {
        if errors.iter().any(|e| e.contains("不存在")) {
            ApiError::NotFound(errors.join(";"))
        } else {
            ApiError::Invalid(errors)
        }
    })?;
    let report = web.app.write_values(&who.user.login, writes, None).await?;
    Ok(Json(WriteOut {
        changed: report.changed,
        unchanged: report.unchanged,
        places_updated: report.places_updated,
        warnings: report.warnings.iter().map(FileProblem::from).collect(),
        notices: report.notices,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionIn {
    /// `submit`, `approve`, `reject`, `reopen`.
    #[schema(pattern = "^(submit|approve|reject|reopen)$")]
    pub action: String,
    /// Required for `reject` and `reopen`.
    #[serde(default)]
    pub reason: Option<String>,
    pub keys: Vec<KeyIn>,
}

pub fn parse_transition(action: &str, reason: Option<&str>) -> ApiResult<Transition> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match action {
        "submit" => Ok(Transition::Submit),
        "approve" => Ok(Transition::Approve),
        "reject" | "reopen" => {
            let reason = reason
                .ok_or_else(|| ApiError::Conflict(format!("{action} 需要填写原因(reason)")))?
                .to_string();
            Ok(if action == "reject" {
                Transition::Reject { reason }
            } else {
                Transition::Reopen { reason }
            })
        }
        other => Err(ApiError::invalid(format!(
            "操作“{other}”无效(submit/approve/reject/reopen)"
        ))),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionOut {
    pub changed: usize,
}

#[utoipa::path(post, path = "/api/v1/values/transition", tag = "values", request_body = TransitionIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已改变审核状态(全部或全不)", body = TransitionOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权审核(逐条列出)或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "数据不存在", body = ErrorBody),
        (status = 409, description = "状态不允许此操作", body = ErrorBody),
        (status = 422, description = "请求无效", body = ErrorBody),
    ))]
async fn transition(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    body: Result<Json<TransitionIn>, JsonRejection>,
) -> ApiResult<Json<TransitionOut>> {
    who.check_csrf_header(&headers)?;
    let body = json_body(body)?;
    let t = parse_transition(&body.action, body.reason.as_deref())?;
    if body.keys.is_empty() {
        return Ok(Json(TransitionOut { changed: 0 }));
    }
    let mut keys = Vec::new();
    let mut errors = Vec::new();
    for (n, k) in body.keys.iter().enumerate() {
        match key_of(&k.indicator, &k.place, &k.period, k.component.as_deref()) {
            Ok(key) => keys.push(key),
            Err(e) => errors.push(format!("第{}条:{e}", n + 1)),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    keys.sort();
    keys.dedup();
    let changed = web.app.transition(&who.user.login, keys, t).await?;
    Ok(Json(TransitionOut { changed }))
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// A CSV (UTF-8, UTF-8 with BOM, GBK, UTF-16) or .xlsx file in the template's layout.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// What a multipart error answers: 413 when the body is over the configured limit
/// (`body_limit` bytes), else 422.
pub(crate) fn multipart_error(
    e: axum::extract::multipart::MultipartError,
    body_limit: usize,
) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge(format!(
            "上传内容过大:每次上传最多 {} MB,本次未写入任何数据(请拆分文件后分批上传)",
            body_limit.div_ceil(1024 * 1024)
        ))
    } else {
        ApiError::invalid(format!("上传内容无效:{}", e.body_text()))
    }
}

/// Reads the `file` part of a multipart upload: its name and bytes. A body over
/// `body_limit` is a 413.
pub async fn read_upload(
    mut mp: Multipart,
    body_limit: usize,
) -> ApiResult<(String, Vec<u8>, Option<String>)> {
    let mut file = None;
    let mut csrf = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(e, body_limit))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field
                .file_name()
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "upload.csv".into());
            let bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(e, body_limit))?;
            file = Some((file_name, bytes.to_vec()));
        } else if name == "csrf" {
            csrf = field.text().await.ok();
        }
    }
    let (name, bytes) = file.ok_or_else(|| ApiError::invalid("缺少文件(表单字段 file)"))?;
    Ok((name, bytes, csrf))
}

/// Uploads in progress, one per login: a second upload by a login whose first is still
/// being read, checked or stored is refused at once (429), so one person cannot queue up
/// many files' worth of CPU and memory.
#[derive(Debug, Clone, Default)]
pub struct UploadSlots(Arc<std::sync::Mutex<std::collections::HashSet<String>>>);

/// A login's upload in progress; the slot is free again when this is dropped.
#[derive(Debug)]
pub struct UploadSlot {
    slots: UploadSlots,
    login: String,
}

impl UploadSlots {
    /// Takes `login`'s slot, or refuses when that login has an upload running.
    pub fn take(&self, login: &str) -> ApiResult<UploadSlot> {
        let mut running = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !running.insert(login.to_string()) {
            return Err(ApiError::Busy(
                "您上传的上一个文件还在处理中,请等它完成后再上传(同一账号一次只能上传一个文件)"
                    .into(),
            ));
        }
        Ok(UploadSlot {
            slots: self.clone(),
            login: login.to_string(),
        })
    }
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut running = self.slots.0.lock().unwrap_or_else(|e| e.into_inner());
        running.remove(&self.login);
    }
}

/// Runs an upload to its end on a task of its own, within the server's read limits, holding
/// `slot` until the file is read, checked and stored — also when the client has gone away
/// meanwhile, so an abandoned upload still counts as running until its work is done.
pub async fn run_upload(
    web: &Shared,
    slot: UploadSlot,
    bytes: Vec<u8>,
    name: String,
) -> Result<youxiang_app::WriteReport, youxiang_app::AppError> {
    let app = Arc::clone(&web.app);
    let limits = web.config.read_limits.clone();
    let task = tokio::spawn(async move {
        let slot = slot;
        app.upload(&slot.login, bytes, &name, &limits, |_| {}).await
    });
    match task.await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(youxiang_app::AppError::Invalid(vec![
            "服务正在停止,本次上传未写入任何数据".into(),
        ])),
    }
}

#[utoipa::path(post, path = "/api/v1/uploads", tag = "values",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已写入(全部或全不)", body = WriteOut),
        (status = 400, description = "不是 multipart/form-data 请求"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "CSRF 令牌无效", body = ErrorBody),
        (status = 409, description = "数据已审核锁定", body = ErrorBody),
        (status = 413, description = "请求体超过服务器的上传上限(默认 20 MB),未写入任何数据", body = ErrorBody),
        (status = 422, description = "文件有错误(或超过读取限制:解压后大小、行、列、单元格、行长、单元格长度):逐行逐列列出前 1000 处并给出其余的个数,未写入任何数据", body = ErrorBody),
        (status = 429, description = "同一账号的上一个上传仍在处理中,本次未处理", body = ErrorBody),
    ))]
async fn upload(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    mp: Multipart,
) -> ApiResult<Json<WriteOut>> {
    who.check_csrf_header(&headers)?;
    // Taken before the body is read: a second upload is refused before it is received.
    let slot = web.uploads.take(&who.user.login)?;
    let (name, bytes, _) = read_upload(mp, web.config.body_limit).await?;
    let report = run_upload(&web, slot, bytes, name).await?;
    Ok(Json(WriteOut {
        changed: report.changed,
        unchanged: report.unchanged,
        places_updated: report.places_updated,
        warnings: report.warnings.iter().map(FileProblem::from).collect(),
        notices: report.notices,
    }))
}
