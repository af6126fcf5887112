//! The server-rendered pages (askama): sign-in, 驾驶舱, indicator, place, data entry,
//! upload, approval queue, completeness and audit. Chinese by default, English with the
//! `lang=en` cookie. Every page works without JavaScript; charts are ECharts initialised by
//! `/static/charts.js` from `data-chart` attributes (the CSP forbids inline script), each
//! with a data table behind it. Every form carries the session's CSRF token.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use youxiang_app::{Reader, State as AppState, StatusFilter};
use youxiang_core::completeness::required_components;
use youxiang_core::eval::Light;
use youxiang_core::period::Period;
use youxiang_core::place::PlaceId;
use youxiang_core::scope::{Reporter, Role};
use youxiang_core::value::{Transition, ValueKey, ValueState};
use youxiang_store::{AuditFilter, ValueFilter, ValueWrite};

use crate::Shared;
use crate::api::{self, LightCounts, OverviewQuery};
use crate::auth::{self, Authed, ClientIp};
use crate::error::ApiError;

const MESSAGES: &[(&str, &str, &str)] = &[
    ("app", "有享 · 七优享", "youxiang · Qiyouxiang"),
    ("menu", "主菜单", "Main menu"),
    ("overview", "驾驶舱", "Overview"),
    ("places", "地区", "Places"),
    ("entry", "数据填报", "Data entry"),
    ("upload", "上传文件", "Upload"),
    ("approvals", "审核", "Approvals"),
    ("completeness", "报送情况", "Completeness"),
    ("audit", "审计", "Audit"),
    ("switch", "English", "中文"),
    ("signout", "退出", "Sign out"),
    ("signin", "登录", "Sign in"),
    ("login", "用户名", "User name"),
    ("password", "密码", "Password"),
    ("change_password", "修改密码", "Change password"),
    ("current_password", "当前密码", "Current password"),
    ("new_password", "新密码", "New password"),
    ("repeat_password", "再次输入新密码", "New password again"),
    (
        "password_rule",
        "至少 8 个字符,包含小写字母、大写字母、数字、符号中的至少 3 类,且不含登录名。",
        "At least 8 characters mixing three of lower case, upper case, digits and signs, not containing the login name.",
    ),
    ("period", "期间", "Period"),
    ("show", "查看", "Show"),
    ("year", "年度", "Year"),
    ("asof", "截至", "as of"),
    ("lights", "灯号", "Lights"),
    ("green", "达标", "on track"),
    ("yellow", "预警", "warning"),
    ("red", "滞后", "lagging"),
    ("grey", "无数据", "no data"),
    ("domains", "七个领域", "The 7 domains"),
    ("worst", "最落后", "Furthest behind"),
    ("headline", "主要指标", "Headline indicators"),
    ("children", "下辖地区", "Places below"),
    ("place", "地区", "Place"),
    ("indicator", "指标", "Indicator"),
    ("domain", "领域", "Domain"),
    ("target", "目标", "Target"),
    ("value", "数值", "Value"),
    ("light", "灯号", "Light"),
    ("trend", "趋势", "Trend"),
    ("unit", "单位", "Unit"),
    ("polarity", "方向", "Direction"),
    ("rollup", "汇总方式", "Roll-up"),
    ("lead", "牵头单位", "Lead unit"),
    ("source", "方案原文", "Plan text"),
    ("why", "为什么是这个灯号", "Why this light"),
    (
        "trend_table",
        "各期数值(图表数据)",
        "Figures by period (chart data)",
    ),
    ("targets", "年度目标", "Yearly targets"),
    ("by_town", "各镇(街道)", "By town"),
    ("map", "各镇(街道)位置与灯号", "Towns on the map"),
    (
        "map_note",
        "位置示意图:每个点是一个镇(街道)在地点文件中的经纬度(演示数据中多数为示意位置),颜色为灯号;不是行政区划边界图,未使用任何边界数据。",
        "Location sketch: each dot is a town's longitude/latitude from the places file (mostly illustrative in the demo data), coloured by its light; not a boundary map, no boundary data is used.",
    ),
    ("component", "分项", "Component"),
    ("save", "保存", "Save"),
    (
        "not_saved",
        "未保存:请修改标出的内容",
        "Not saved: please correct the marked fields",
    ),
    (
        "upload_help",
        "CSV(UTF-8、GBK)或 Excel(.xlsx)文件,按填报模板的列;有任何错误时整份文件不写入。",
        "CSV (UTF-8, GBK) or Excel (.xlsx) in the template's columns; nothing is written when any row has an error.",
    ),
    ("row", "行", "Row"),
    ("column", "列", "Column"),
    ("cell", "内容", "Cell"),
    ("reason", "原因", "Reason"),
    ("file", "文件", "File"),
    ("none", "没有记录", "Nothing to show"),
    ("approve", "审核通过", "Approve"),
    ("reject", "退回", "Send back"),
    ("higher", "越大越好", "higher is better"),
    ("lower", "越小越好", "lower is better"),
    ("origin", "来源", "Origin"),
    ("audit_time", "时间(北京时间)", "Time (Beijing)"),
    ("audit_actor", "操作人", "Actor"),
    ("audit_action", "操作", "Action"),
    ("audit_entity", "对象", "Object"),
    ("audit_old", "原值", "Before"),
    ("audit_new", "新值", "After"),
    ("place_filter", "地点代码", "Place code"),
    ("origin_web", "网页", "Web"),
    (
        "origin_cli",
        "命令行(操作系统用户 {})",
        "Command line (OS user {})",
    ),
];

/// What every page shows around its content.
pub struct Chrome {
    pub en: bool,
    pub user: Option<UserView>,
    pub csrf: String,
    pub path: String,
    pub root: String,
}

pub struct UserView {
    pub name: String,
    pub role: String,
    pub can_report: bool,
    pub can_approve: bool,
    pub can_audit: bool,
    /// The password must be changed first: the menu is hidden (it would lead back here).
    pub restricted: bool,
}

impl Chrome {
    pub fn t(&self, key: &str) -> &'static str {
        MESSAGES
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, zh, en)| if self.en { *en } else { *zh })
            .unwrap_or("?")
    }

    pub fn lang(&self) -> &'static str {
        if self.en { "en" } else { "zh-CN" }
    }

    pub fn other_lang(&self) -> &'static str {
        if self.en { "zh" } else { "en" }
    }

    fn light(&self, l: Light) -> String {
        let (icon, key) = match l {
            Light::Green => ("●", "green"),
            Light::Yellow => ("▲", "yellow"),
            Light::Red => ("■", "red"),
            Light::Grey => ("○", "grey"),
        };
        format!("{icon} {}", self.t(key))
    }
}

fn is_en(headers: &HeaderMap) -> bool {
    auth::cookie(headers, "lang") == Some("en")
}

pub(crate) fn chrome(
    web: &Shared,
    headers: &HeaderMap,
    who: Option<&Authed>,
    path: &str,
) -> Chrome {
    Chrome {
        en: is_en(headers),
        user: who.map(|a| UserView {
            name: a.user.name.clone(),
            role: if is_en(headers) {
                a.user.role.as_str().to_string()
            } else {
                a.user.role.label_zh().to_string()
            },
            can_report: a.user.role.can_report(),
            can_approve: a.user.role.can_approve(),
            can_audit: a.user.role.can_read_audit(),
            restricted: a.change_due.is_some(),
        }),
        csrf: who.map(|a| a.csrf.clone()).unwrap_or_default(),
        path: path.to_string(),
        root: web.app.read().plan.place.clone(),
    }
}

/// A number with its unit, at most 2 decimals, `—` when absent.
pub fn num(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(x) if x.is_finite() => {
            let s = format!("{x:.2}");
            let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
            if unit.is_empty() {
                s
            } else {
                format!("{s} {unit}")
            }
        }
        _ => "—".into(),
    }
}

/// A target as the plan writes it, with the unit only when it names a number: `4.0 %`,
/// but `/` (no numeric target), `全覆盖` or `—` (no target) as they are.
pub fn target_text(text: &str, value: Option<f64>, unit: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        "—".into()
    } else if value.is_none() || unit.is_empty() || text.ends_with(unit) {
        text.into()
    } else {
        format!("{text} {unit}")
    }
}

pub(crate) fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::Internal(format!("template: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    c: Chrome,
    title: String,
    lines: Vec<String>,
}

/// An error as a page (status code kept).
pub(crate) fn error_page(c: Chrome, e: ApiError) -> Response {
    let status = e.status();
    if status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/login").into_response();
    }
    let body = e.body();
    let mut lines = vec![body.message];
    lines.extend(body.details);
    lines.extend(body.errors.into_iter().map(|e| e.message));
    let title = match (status.as_u16(), c.en) {
        (403, false) => "无权访问",
        (404, false) => "未找到",
        (409, false) => "无法完成:数据已变化",
        (413, false) => "文件过大",
        (422, false) => "内容有误",
        (429, false) => "请求过于频繁",
        (503, false) => "服务暂不可用",
        (_, false) => "出错了",
        (403, true) => "Not allowed",
        (404, true) => "Not found",
        (409, true) => "Conflict",
        (413, true) => "Too large",
        (422, true) => "Please correct",
        (429, true) => "Too many requests",
        (503, true) => "Unavailable",
        (_, true) => "Something went wrong",
    };
    let mut resp = render(&MessagePage {
        title: title.to_string(),
        c,
        lines,
    });
    *resp.status_mut() = status;
    resp
}

/// The signed-in user of a page, or a redirect to the sign-in page.
#[allow(clippy::result_large_err)]
pub(crate) fn need(web: &Shared, headers: &HeaderMap) -> Result<Authed, Response> {
    auth::session_of(web, headers).ok_or_else(|| Redirect::to("/login").into_response())
}

/// A signed-in user whose role `may` use the page at `path`; anyone else gets the 403 page
/// (a viewer opening /upload by its address).
#[allow(clippy::result_large_err)]
pub(crate) fn need_role(
    web: &Shared,
    headers: &HeaderMap,
    path: &str,
    may: fn(Role) -> bool,
) -> Result<Authed, Response> {
    let who = need(web, headers)?;
    if may(who.user.role) {
        return Ok(who);
    }
    let c = chrome(web, headers, Some(&who), path);
    Err(error_page(
        c,
        ApiError::Forbidden(vec![format!(
            "{}({})无权使用此页面",
            who.user.name,
            who.user.role.label_zh()
        )]),
    ))
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_post))
        .route("/logout", axum::routing::post(logout))
        .route("/lang", get(lang))
        .route("/overview", get(overview))
        .route("/place/{code}", get(place))
        .route("/indicator/{code}", get(indicator))
        .route("/entry", get(entry).post(entry_post))
        .route("/upload", get(upload_form).post(upload_post))
        .route("/approvals", get(approvals).post(approvals_post))
        .route("/completeness", get(completeness))
        .route("/audit", get(audit))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/static/app.css",
            get(|| asset("text/css", include_bytes!("../static/app.css"))),
        )
        .route(
            "/static/charts.js",
            get(|| asset("text/javascript", include_bytes!("../static/charts.js"))),
        )
        .route(
            "/static/htmx.min.js",
            get(|| {
                asset(
                    "text/javascript",
                    include_bytes!(concat!(env!("OUT_DIR"), "/htmx.min.js")),
                )
            }),
        )
        .route(
            "/static/echarts.min.js",
            get(|| {
                asset(
                    "text/javascript",
                    include_bytes!(concat!(env!("OUT_DIR"), "/echarts.min.js")),
                )
            }),
        )
}

async fn asset(kind: &'static str, bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn home(State(web): State<Shared>, headers: HeaderMap) -> Response {
    if auth::session_of(&web, &headers).is_some() {
        Redirect::to("/overview").into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}

#[derive(Deserialize)]
struct LangQ {
    to: Option<String>,
    back: Option<String>,
}

async fn lang(Query(q): Query<LangQ>) -> Response {
    let en = q.to.as_deref() == Some("en");
    let back = q
        .back
        .filter(|b| is_local_path(b))
        .unwrap_or_else(|| "/".into());
    let mut resp = Redirect::to(&back).into_response();
    let cookie = format!(
        "lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
        if en { "en" } else { "zh" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// Whether `path` can only lead to this site: one leading `/`, then printable ASCII
/// without spaces or backslashes. Browsers drop tabs and newlines from a location and treat
/// `\` as `/`, so `/%09/evil.example/` (a tab, decoded) would become `//evil.example/`.
pub fn is_local_path(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && path.chars().all(|c| c.is_ascii_graphic() && c != '\\')
}

// ---------------------------------------------------------------------------------------
// Sign-in

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    title: String,
    error: Option<String>,
    login: String,
    next: String,
}

const LOGIN_CSRF: &str = "yx_login_csrf";

async fn login_form(State(web): State<Shared>, headers: HeaderMap) -> Response {
    let mut c = chrome(&web, &headers, None, "/login");
    login_page(&mut c, None, String::new(), web.config.secure_cookies)
}

fn login_page(c: &mut Chrome, error: Option<String>, login: String, secure: bool) -> Response {
    // Double-submit token for the sign-in form (there is no session yet).
    let token = auth::random_token().unwrap_or_default();
    c.csrf = token.clone();
    let page = LoginPage {
        title: c.t("signin").into(),
        c: Chrome {
            en: c.en,
            user: None,
            csrf: token.clone(),
            path: c.path.clone(),
            root: c.root.clone(),
        },
        error,
        login,
        next: String::new(),
    };
    let mut resp = render(&page);
    if error_status(&page.error) {
        *resp.status_mut() = StatusCode::UNAUTHORIZED;
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF}={token}; Path=/login; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

fn error_status(e: &Option<String>) -> bool {
    e.is_some()
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    csrf: String,
}

async fn login_post(
    State(web): State<Shared>,
    ip: ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let mut c = chrome(&web, &headers, None, "/login");
    let Ok(Form(form)) = form else {
        return login_page(
            &mut c,
            Some("表单无效".into()),
            String::new(),
            web.config.secure_cookies,
        );
    };
    let expected = auth::cookie(&headers, LOGIN_CSRF).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return login_page(
            &mut c,
            Some(ApiError::Csrf.body().message),
            form.login,
            web.config.secure_cookies,
        );
    }
    match api::start_session(&web, ip, &form.login, &form.password).await {
        Ok((_, id, _)) => {
            let mut resp = Redirect::to("/overview").into_response();
            let cookie =
                auth::session_cookie(&id, web.config.secure_cookies, web.config.session_idle);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => {
            let msg = e.body().message;
            login_page(&mut c, Some(msg), form.login, web.config.secure_cookies)
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    State(web): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(who) = auth::session_of(&web, &headers)
        && who.check_csrf(f.csrf.as_deref()).is_ok()
    {
        web.sessions.remove(&who.session);
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie(web.config.secure_cookies)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

// ---------------------------------------------------------------------------------------
// Overview and place

pub struct RowView {
    pub code: String,
    pub name: String,
    pub domain: String,
    pub target: String,
    pub value: String,
    pub as_of: String,
    pub light: &'static str,
    pub light_text: String,
    pub spark: String,
}

pub struct DomainView {
    pub name: String,
    pub lead_unit: String,
    pub lights: LightCounts,
    pub worst_name: Option<String>,
}

pub struct ChildView {
    pub code: String,
    pub name: String,
    pub lights: LightCounts,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    c: Chrome,
    title: String,
    action: String,
    period: String,
    period_q: String,
    year: i32,
    place: String,
    place_name: String,
    caption: String,
    lights: LightCounts,
    completeness: String,
    crumbs: Vec<(String, String)>,
    domains: Vec<DomainView>,
    rows: Vec<RowView>,
    children: Vec<ChildView>,
}

/// A sparkline of the figures with the target path (dashed), as inline SVG.
fn sparkline(series: &[(f64, f64)], targets: &[(f64, f64)]) -> String {
    let all: Vec<&(f64, f64)> = series.iter().chain(targets.iter()).collect();
    if series.is_empty() || all.is_empty() {
        return String::new();
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in &all {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    let w = (x1 - x0).max(1e-9);
    let h = (y1 - y0).max(1e-9);
    let pts = |s: &[(f64, f64)]| {
        s.iter()
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    2.0 + (x - x0) / w * 116.0,
                    26.0 - (y - y0) / h * 24.0
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "<svg class=\"spark\" viewBox=\"0 0 120 28\" role=\"img\" aria-label=\"trend\"><polyline class=\"target\" points=\"{}\"/><polyline class=\"actual\" points=\"{}\"/></svg>",
        pts(targets),
        pts(series)
    )
}

fn period_x(p: &str) -> Option<f64> {
    let period: Period = p.parse().ok()?;
    let end = period.end();
    Some(end.year_ce().1 as f64 + (end.ordinal() as f64) / 366.0)
}

use chrono::Datelike;

fn overview_page(
    web: &Shared,
    headers: &HeaderMap,
    who: &Authed,
    path: &str,
    place: Option<String>,
    period: Option<String>,
) -> Response {
    let c = chrome(web, headers, Some(who), path);
    let period = period.filter(|p| !p.trim().is_empty());
    let state = web.app.read();
    let q = OverviewQuery {
        place: place.clone(),
        year: None,
        period: period.clone(),
    };
    let reader = Reader::Person(&who.user);
    let ov = match api::build_overview(&state, reader, &q) {
        Ok(ov) => ov,
        Err(e) => {
            drop(state);
            return error_page(c, e);
        }
    };
    let rows = ov
        .headline
        .iter()
        .map(|h| {
            let series: Vec<(f64, f64)> = h
                .series
                .iter()
                .filter_map(|p| Some((period_x(&p.period)?, p.value)))
                .collect();
            let targets: Vec<(f64, f64)> = h
                .targets
                .iter()
                .filter_map(|t| Some((t.year as f64 + 1.0, t.value?)))
                .collect();
            let light = light_of(&h.row.light);
            RowView {
                code: h.row.indicator.clone(),
                name: h.row.name.clone(),
                domain: h.row.domain_name.clone(),
                target: target_text(
                    &h.row.target,
                    h.targets
                        .iter()
                        .find(|t| t.year == h.row.year)
                        .and_then(|t| t.value),
                    &h.row.unit,
                ),
                value: num(h.row.value, &h.row.unit),
                as_of: h.row.as_of_zh.clone().unwrap_or_default(),
                light: api::light_str(light),
                light_text: c.light(light),
                spark: sparkline(&series, &targets),
            }
        })
        .collect();
    let id = state.tree.id(&ov.place);
    let crumbs = id
        .map(|id| {
            let mut v: Vec<(String, String)> = state
                .tree
                .ancestors(id)
                .filter(|a| *a != id)
                .map(|a| {
                    let p = state.tree.get(a);
                    (p.code.clone(), p.name.clone())
                })
                .collect();
            v.reverse();
            v
        })
        .unwrap_or_default();
    let children = id
        .map(|id| children_counts(&state, reader, id, period.as_deref()))
        .unwrap_or_default();
    let title = if ov.place == state.plan.place {
        format!("{} · {}", c.t("overview"), ov.place_name)
    } else {
        ov.place_name.clone()
    };
    let page = OverviewPage {
        action: path.to_string(),
        period: period.clone().unwrap_or_default(),
        period_q: period.map(|p| format!("&period={p}")).unwrap_or_default(),
        year: ov.year,
        caption: format!("{} · {}", ov.place_name, ov.year),
        place: ov.place.clone(),
        place_name: ov.place_name.clone(),
        lights: ov.lights,
        completeness: String::new(),
        crumbs,
        domains: ov
            .domains
            .iter()
            .map(|d| DomainView {
                name: if c.en && !d.name_en.is_empty() {
                    format!("{} {}", d.name, d.name_en)
                } else {
                    d.name.clone()
                },
                lead_unit: d.lead_unit.clone(),
                lights: d.lights,
                worst_name: d.worst_name.clone(),
            })
            .collect(),
        rows,
        children,
        title,
        c,
    };
    drop(state);
    render(&page)
}

fn light_of(s: &str) -> Light {
    match s {
        "green" => Light::Green,
        "yellow" => Light::Yellow,
        "red" => Light::Red,
        _ => Light::Grey,
    }
}

fn children_counts(
    state: &AppState,
    reader: Reader<'_>,
    id: PlaceId,
    period: Option<&str>,
) -> Vec<ChildView> {
    state
        .tree
        .children(id)
        .iter()
        .map(|ch| {
            let p = state.tree.get(*ch);
            let mut lights = LightCounts::default();
            let filter = StatusFilter {
                place: Some(p.code.clone()),
                period: period.and_then(|p| p.parse().ok()),
                ..Default::default()
            };
            if let Ok(rows) = youxiang_app::status_rows(state, reader, &filter) {
                for r in rows {
                    lights.add(r.light);
                }
            }
            ChildView {
                code: p.code.clone(),
                name: p.name.clone(),
                lights,
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct PeriodQ {
    period: Option<String>,
    place: Option<String>,
}

async fn overview(
    State(web): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<PeriodQ>,
) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    overview_page(&web, &headers, &who, "/overview", q.place, q.period)
}

async fn place(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<PeriodQ>,
) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let path = format!("/place/{code}");
    overview_page(&web, &headers, &who, &path, Some(code), q.period)
}

// ---------------------------------------------------------------------------------------
// Indicator

/// code, name, value, light, lon, lat.
type TownRow = (String, String, Option<f64>, Light, Option<f64>, Option<f64>);

pub struct TownView {
    pub code: String,
    pub name: String,
    pub value: String,
    pub light: &'static str,
    pub light_text: String,
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    c: Chrome,
    title: String,
    code: String,
    place_name: String,
    unit: String,
    polarity: String,
    rollup: String,
    lead: String,
    source: String,
    light: &'static str,
    light_text: String,
    value: String,
    explain: Vec<String>,
    trend_chart: String,
    series: Vec<(String, String)>,
    targets: Vec<(i32, String)>,
    towns: Vec<TownView>,
    bars_chart: String,
    map_chart: String,
}

async fn indicator(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<PeriodQ>,
) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let c = chrome(&web, &headers, Some(&who), &format!("/indicator/{code}"));
    let state = web.app.read();
    let Some(ind) = state.plan.indicator(&code).cloned() else {
        drop(state);
        return error_page(c, ApiError::NotFound(format!("指标“{code}”")));
    };
    let place = q.place.clone().unwrap_or_else(|| state.plan.place.clone());
    let Some(pid) = state.tree.id(&place) else {
        drop(state);
        return error_page(c, ApiError::NotFound(format!("地点“{place}”")));
    };
    let period: Option<Period> = q.period.as_deref().and_then(|p| p.parse().ok());
    // Each figure as this reader may see it: drafts only within their scope.
    let reader = Reader::Person(&who.user);
    let engine = state.view_for(reader, &place, &code);
    let series = engine.series_at(&code, &place);
    let latest = period.or_else(|| series.last().map(|(p, _)| *p));
    let explained = latest.and_then(|p| engine.explain(&code, &place, p));
    let (light, value, explain) = match &explained {
        Some(e) => {
            let light = e.schedule.as_ref().map(|s| s.light).unwrap_or(Light::Grey);
            let mut lines = vec![
                format!("{}:{}", e.period.label_zh(), e.source),
                e.rule.clone(),
            ];
            if let Some(s) = &e.schedule {
                lines.push(s.explanation.formula.clone());
            }
            lines.push(e.year_check.explanation.formula.clone());
            (light, num(e.value, &ind.unit), lines)
        }
        None => (Light::Grey, "—".into(), vec![]),
    };
    let periods: Vec<String> = series.iter().map(|(p, _)| p.to_string()).collect();
    let actual: Vec<f64> = series.iter().map(|(_, v)| *v).collect();
    let target_at = |p: &Period| ind.targets.get(&p.year()).and_then(|t| t.value);
    let targets_line: Vec<Option<f64>> = series.iter().map(|(p, _)| target_at(p)).collect();
    let schedule: Vec<Option<f64>> = series
        .iter()
        .map(|(p, _)| {
            engine
                .explain(&code, &place, *p)
                .and_then(|e| e.schedule.and_then(|s| s.expected))
        })
        .collect();
    let trend = serde_json::json!({
        "kind": "trend", "unit": ind.unit, "periods": periods, "actual": actual,
        "targets": targets_line, "schedule": schedule,
        "legend": if c.en { ["actual", "yearly target", "schedule"] } else { ["实际", "年度目标", "序时进度"] },
    });
    let year = latest
        .map(|p| p.year())
        .unwrap_or_else(|| state.plan.final_year());
    let mut towns: Vec<TownRow> = state
        .tree
        .children(pid)
        .iter()
        .map(|t| {
            let p = state.tree.get(*t);
            let s = state
                .view_for(reader, &p.code, &code)
                .status(&code, &p.code, year);
            (
                p.code.clone(),
                p.name.clone(),
                s.and_then(|s| s.value),
                s.map(|s| s.light).unwrap_or(Light::Grey),
                p.lon,
                p.lat,
            )
        })
        .collect();
    towns.sort_by(|a, b| b.2.unwrap_or(f64::MIN).total_cmp(&a.2.unwrap_or(f64::MIN)));
    let bars = serde_json::json!({
        "kind": "bars", "unit": ind.unit,
        "names": towns.iter().map(|t| t.1.clone()).collect::<Vec<_>>(),
        "values": towns.iter().map(|t| t.2).collect::<Vec<_>>(),
        "lights": towns.iter().map(|t| api::light_str(t.3)).collect::<Vec<_>>(),
    });
    let map = serde_json::json!({
        "kind": "map",
        "points": towns.iter().filter(|t| t.4.is_some() && t.5.is_some()).map(|t| serde_json::json!({
            "name": t.1, "lon": t.4, "lat": t.5, "light": api::light_str(t.3),
            "label": format!("{} {}", num(t.2, &ind.unit), c.light(t.3)),
        })).collect::<Vec<_>>(),
    });
    let page = IndicatorPage {
        title: format!("{} {}", ind.code, ind.name),
        code: code.clone(),
        place_name: state.tree.get(pid).name.clone(),
        unit: ind.unit.clone(),
        polarity: match ind.polarity {
            youxiang_core::Polarity::LowerIsBetter => c.t("lower").into(),
            _ => c.t("higher").into(),
        },
        rollup: api_enum(&ind.aggregation),
        lead: ind.lead_unit.clone(),
        source: match &ind.source {
            youxiang_core::IndicatorSource::Task { sentence, .. } => sentence.clone(),
            youxiang_core::IndicatorSource::Table { seq } => format!("表 序号 {seq}"),
        },
        light: api::light_str(light),
        light_text: c.light(light),
        value,
        explain,
        trend_chart: trend.to_string(),
        series: series
            .iter()
            .map(|(p, v)| (p.label_zh(), num(Some(*v), &ind.unit)))
            .collect(),
        targets: std::iter::once((state.plan.baseline_year, &ind.baseline))
            .chain(ind.targets.iter().map(|(y, t)| (*y, t)))
            .map(|(y, t)| (y, target_text(&t.text, t.value, &ind.unit)))
            .collect(),
        towns: towns
            .iter()
            .map(|t| TownView {
                code: t.0.clone(),
                name: t.1.clone(),
                value: num(t.2, &ind.unit),
                light: api::light_str(t.3),
                light_text: c.light(t.3),
            })
            .collect(),
        bars_chart: bars.to_string(),
        map_chart: map.to_string(),
        c,
    };
    drop(state);
    render(&page)
}

fn api_enum<T: serde::Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::Object(m)) => m
            .get("rule")
            .and_then(|r| r.as_str())
            .map(String::from)
            .unwrap_or_else(|| serde_json::Value::Object(m).to_string()),
        Ok(serde_json::Value::String(s)) => s,
        Ok(v) => v.to_string(),
        Err(_) => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Data entry

pub struct FieldView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub component_label: String,
    pub value: String,
    pub error: String,
    pub light: &'static str,
    pub light_text: String,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    c: Chrome,
    title: String,
    places: Vec<(String, String)>,
    place: String,
    place_name: String,
    period: String,
    fields: Vec<FieldView>,
    errors: Vec<String>,
    saved: String,
}

/// The places a reporter fills in: the scope's roots and the level below them.
fn entry_places(state: &AppState, user: &Reporter) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for root in &user.scope.places {
        let Some(id) = state.tree.id(root) else {
            continue;
        };
        out.push((root.clone(), state.tree.get(id).name.clone()));
        for ch in state.tree.children(id) {
            let p = state.tree.get(*ch);
            out.push((p.code.clone(), format!("  {}", p.name)));
        }
    }
    out.truncate(500);
    out
}

fn default_period(state: &AppState, user: &Reporter) -> String {
    youxiang_app::status_rows(state, Reader::Person(user), &StatusFilter::default())
        .ok()
        .and_then(|rows| rows.iter().filter_map(|r| r.as_of).max())
        .map(|p| p.to_string())
        .unwrap_or_default()
}

fn entry_fields(
    state: &AppState,
    c: &Chrome,
    user: &Reporter,
    place: &str,
    period: Option<Period>,
    posted: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<FieldView> {
    let Some(pid) = state.tree.id(place) else {
        return vec![];
    };
    let level = state.tree.get(pid).level;
    let is_root = place == state.plan.place;
    let inds: Vec<_> = state
        .plan
        .indicators
        .iter()
        .filter(|i| i.is_table_row() && user.scope.covers_indicator(&i.code))
        .collect();
    let matching: Vec<_> = inds
        .iter()
        .filter(|i| match i.report_level {
            Some(l) => l == level,
            None => is_root,
        })
        .copied()
        .collect();
    let inds = if matching.is_empty() { inds } else { matching };
    let mut out = Vec::new();
    for ind in inds {
        // The entry form's places are the user's own: drafts included there.
        let engine = state.view_for(Reader::Person(user), place, &ind.code);
        let status = period.and_then(|p| engine.status(&ind.code, place, p.year()));
        let light = status.map(|s| s.light).unwrap_or(Light::Grey);
        for comp in required_components(ind) {
            let id = format!("v:{}:{}", ind.code, comp.as_str());
            let current = period.and_then(|p| {
                engine.own_value(&ValueKey {
                    indicator: ind.code.clone(),
                    place: place.to_string(),
                    period: p,
                    component: *comp,
                })
            });
            out.push(FieldView {
                value: posted
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| current.map(|v| format!("{v}")).unwrap_or_default()),
                error: errors.get(&id).cloned().unwrap_or_default(),
                code: ind.code.clone(),
                name: ind.name.clone(),
                // A ratio's parts are counts, not the ratio's unit.
                unit: if *comp == youxiang_core::value::Component::Value {
                    ind.unit.clone()
                } else {
                    String::new()
                },
                component_label: if c.en {
                    comp.as_str().into()
                } else {
                    comp.label_zh().into()
                },
                light: api::light_str(light),
                light_text: c.light(light),
                id,
            });
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn entry_page(
    web: &Shared,
    headers: &HeaderMap,
    who: &Authed,
    place: Option<String>,
    period: Option<String>,
    posted: HashMap<String, String>,
    field_errors: HashMap<String, String>,
    errors: Vec<String>,
    saved: String,
) -> Response {
    let c = chrome(web, headers, Some(who), "/entry");
    let state = web.app.read();
    let places = entry_places(&state, &who.user);
    let place = place
        .filter(|p| places.iter().any(|(c, _)| c == p))
        .or_else(|| places.first().map(|(c, _)| c.clone()))
        .unwrap_or_default();
    let period = period
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| default_period(&state, &who.user));
    let fields = entry_fields(
        &state,
        &c,
        &who.user,
        &place,
        period.parse().ok(),
        &posted,
        &field_errors,
    );
    let page = EntryPage {
        title: c.t("entry").into(),
        place_name: state
            .tree
            .by_code(&place)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        places,
        place,
        period,
        fields,
        errors,
        saved,
        c,
    };
    drop(state);
    let mut resp = render(&page);
    if !page.errors.is_empty() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

async fn entry(
    State(web): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<PeriodQ>,
) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if !who.user.role.can_report() {
        let c = chrome(&web, &headers, Some(&who), "/entry");
        return error_page(
            c,
            ApiError::Forbidden(vec![format!("{} 无填报权限", who.user.name)]),
        );
    }
    entry_page(
        &web,
        &headers,
        &who,
        q.place,
        q.period,
        HashMap::new(),
        HashMap::new(),
        vec![],
        String::new(),
    )
}

async fn entry_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if who.check_csrf(get("csrf").as_deref()).is_err() {
        let c = chrome(&web, &headers, Some(&who), "/entry");
        return error_page(c, ApiError::Csrf);
    }
    let place = get("place").unwrap_or_default();
    let period_text = get("period").unwrap_or_default();
    let mut field_errors = HashMap::new();
    let mut posted = HashMap::new();
    let mut errors = Vec::new();
    let period: Option<Period> = match period_text.parse() {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(format!("期间“{period_text}”无效:{e}"));
            None
        }
    };
    let mut writes = Vec::new();
    for (name, value) in &form {
        let Some(rest) = name.strip_prefix("v:") else {
            continue;
        };
        let value = value.trim();
        posted.insert(name.clone(), value.to_string());
        if value.is_empty() {
            continue;
        }
        let Some((code, comp)) = rest.split_once(':') else {
            continue;
        };
        let Some(component) = youxiang_core::value::Component::parse(comp) else {
            continue;
        };
        match value.replace([',', ','], "").parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= youxiang_engine::MAX_ABS => {
                if let Some(period) = period {
                    writes.push(ValueWrite {
                        key: ValueKey {
                            indicator: code.to_string(),
                            place: place.clone(),
                            period,
                            component,
                        },
                        value: v,
                        comment: String::new(),
                    });
                }
            }
            _ => {
                field_errors.insert(name.clone(), format!("“{value}”不是有效的数字"));
            }
        }
    }
    // The form shows the current figures: a field left as shown is not a change (the
    // engine's figure is rounded to millionths, the stored one may carry more digits). As
    // the user sees them: a place outside the scope compares with its official figure (and
    // the write is refused), so the answer tells nothing of another place's drafts.
    {
        let state = web.app.read();
        let reader = Reader::Person(&who.user);
        writes.retain(|w| {
            state
                .view_for(reader, &w.key.place, &w.key.indicator)
                .own_value(&w.key)
                .is_none_or(|cur| (cur - w.value).abs() > 1e-6 * cur.abs().max(1.0))
        });
    }
    if !field_errors.is_empty() {
        errors.push(format!("{} 处数值无效", field_errors.len()));
    }
    if errors.is_empty() && writes.is_empty() {
        errors.push("没有修改任何数值".into());
    }
    if !errors.is_empty() {
        return entry_page(
            &web,
            &headers,
            &who,
            Some(place),
            Some(period_text),
            posted,
            field_errors,
            errors,
            String::new(),
        );
    }
    match web.app.write_values(&who.user.login, writes, None).await {
        Ok(r) => {
            let saved = format!(
                "已保存:{} 条变更,{} 条未变,{} 个地区的汇总已更新",
                r.changed, r.unchanged, r.places_updated
            );
            entry_page(
                &web,
                &headers,
                &who,
                Some(place),
                Some(period_text),
                HashMap::new(),
                HashMap::new(),
                vec![],
                saved,
            )
        }
        Err(e) => {
            let b = ApiError::from(e).body();
            let mut errors = vec![b.message];
            errors.extend(b.details);
            entry_page(
                &web,
                &headers,
                &who,
                Some(place),
                Some(period_text),
                posted,
                field_errors,
                errors,
                String::new(),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------
// Upload

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    c: Chrome,
    title: String,
    summary: String,
    errors: Vec<(String, String, String, String)>,
    warnings: Vec<String>,
    saved: String,
}

async fn upload_form(State(web): State<Shared>, headers: HeaderMap) -> Response {
    let who = match need_role(&web, &headers, "/upload", Role::can_report) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let c = chrome(&web, &headers, Some(&who), "/upload");
    render(&UploadPage {
        title: c.t("upload").into(),
        c,
        summary: String::new(),
        errors: vec![],
        warnings: vec![],
        saved: String::new(),
    })
}

async fn upload_post(State(web): State<Shared>, headers: HeaderMap, mp: Multipart) -> Response {
    let who = match need_role(&web, &headers, "/upload", Role::can_report) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let c = chrome(&web, &headers, Some(&who), "/upload");
    // Taken before the body is read: a second upload is refused before it is received.
    let slot = match web.uploads.take(&who.user.login) {
        Ok(slot) => slot,
        Err(e) => return error_page(c, e),
    };
    let (name, bytes, csrf) = match api::read_upload(mp, web.config.body_limit).await {
        Ok(x) => x,
        Err(e) => return error_page(c, e),
    };
    if who.check_csrf(csrf.as_deref()).is_err() {
        return error_page(c, ApiError::Csrf);
    }
    let mut page = UploadPage {
        title: c.t("upload").into(),
        summary: String::new(),
        errors: vec![],
        warnings: vec![],
        saved: String::new(),
        c,
    };
    match api::run_upload(&web, slot, bytes, name.clone()).await {
        Ok(r) => {
            page.saved = format!(
                "{name}:已写入 {} 条变更,{} 条未变,{} 个地区的汇总已更新",
                r.changed, r.unchanged, r.places_updated
            );
            page.warnings = r.warnings.iter().map(|w| w.to_string()).collect();
            render(&page)
        }
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status();
            let body = e.body();
            page.summary = body.message.clone();
            if body.errors.is_empty() {
                page.errors = body
                    .details
                    .iter()
                    .map(|d| (String::new(), String::new(), String::new(), d.clone()))
                    .collect();
                if page.errors.is_empty() {
                    page.errors
                        .push((String::new(), String::new(), String::new(), body.message));
                }
            } else {
                page.errors = body
                    .errors
                    .iter()
                    .map(|p| {
                        (
                            p.row.map(|r| format!("第{r}行")).unwrap_or_default(),
                            match (&p.column, &p.header) {
                                (Some(l), Some(h)) => format!("{l}列({h})"),
                                (Some(l), None) => format!("{l}列"),
                                _ => String::new(),
                            },
                            p.value.clone(),
                            p.reason.clone(),
                        )
                    })
                    .collect();
            }
            page.warnings = body.warnings.iter().map(|w| w.message.clone()).collect();
            let mut resp = render(&page);
            *resp.status_mut() = status;
            resp
        }
    }
}

// ---------------------------------------------------------------------------------------
// Approval queue, completeness, audit: dense tables

#[derive(Template)]
#[template(path = "table.html")]
struct TablePage {
    c: Chrome,
    title: String,
    action: String,
    filters: Vec<(String, String, String)>,
    notice: String,
    errors: Vec<String>,
    form: bool,
    head: Vec<(String, bool)>,
    rows: Vec<(String, Vec<(String, bool)>)>,
}

fn may_approve(state: &AppState, who: &Reporter, key: &ValueKey) -> bool {
    let Some(place) = state.tree.id(&key.place) else {
        return false;
    };
    let office = matches!(who.role, Role::Admin | Role::Office);
    who.role.can_approve()
        && who.scope.covers_indicator(&key.indicator)
        && if office {
            who.scope.covers_place(&state.tree, place)
        } else {
            who.scope.covers_below(&state.tree, place)
        }
}

async fn approvals_page(
    web: &Shared,
    headers: &HeaderMap,
    who: &Authed,
    notice: String,
    errors: Vec<String>,
) -> Response {
    let c = chrome(web, headers, Some(who), "/approvals");
    let values = match web
        .app
        .db()
        .get_values(&ValueFilter {
            state: Some(ValueState::Submitted),
            ..Default::default()
        })
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page(c, e.into()),
    };
    let state = web.app.read();
    let rows: Vec<_> = values
        .into_iter()
        .filter(|o| may_approve(&state, &who.user, &o.key))
        .take(500)
        .map(|o| {
            let ind = state.plan.indicator(&o.key.indicator);
            let unit = ind.map(|i| i.unit.clone()).unwrap_or_default();
            let key = format!(
                "{}|{}|{}|{}",
                o.key.indicator,
                o.key.place,
                o.key.period,
                o.key.component.as_str()
            );
            (
                key,
                vec![
                    (
                        format!(
                            "{} {}",
                            o.key.indicator,
                            ind.map(|i| i.name.as_str()).unwrap_or("")
                        ),
                        false,
                    ),
                    (
                        state
                            .tree
                            .by_code(&o.key.place)
                            .map(|p| p.name.clone())
                            .unwrap_or(o.key.place.clone()),
                        false,
                    ),
                    (o.key.period.label_zh(), false),
                    (o.key.component.label_zh().to_string(), false),
                    (num(Some(o.value), &unit), true),
                    (o.reporter.clone(), false),
                    (youxiang_core::china_time::show_minute(o.reported_at), false),
                ],
            )
        })
        .collect();
    let head = [
        c.t("indicator"),
        c.t("place"),
        c.t("period"),
        c.t("component"),
        c.t("value"),
    ]
    .iter()
    .map(|h| (h.to_string(), false))
    .chain([
        ("填报人 reporter".to_string(), false),
        ("时间 time".to_string(), false),
    ])
    .enumerate()
    .map(|(i, (h, _))| (h, i == 4))
    .collect();
    let page = TablePage {
        title: c.t("approvals").into(),
        action: "/approvals".into(),
        filters: vec![],
        notice,
        errors,
        form: true,
        head,
        rows,
        c,
    };
    drop(state);
    render(&page)
}

async fn approvals(State(web): State<Shared>, headers: HeaderMap) -> Response {
    let who = match need_role(&web, &headers, "/approvals", Role::can_approve) {
        Ok(w) => w,
        Err(r) => return r,
    };
    approvals_page(&web, &headers, &who, String::new(), vec![]).await
}

async fn approvals_post(
    State(web): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let who = match need_role(&web, &headers, "/approvals", Role::can_approve) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if who.check_csrf(get("csrf").as_deref()).is_err() {
        let c = chrome(&web, &headers, Some(&who), "/approvals");
        return error_page(c, ApiError::Csrf);
    }
    let action = get("action").unwrap_or_default();
    let t = match api::parse_transition(&action, get("reason").as_deref()) {
        Ok(t @ (Transition::Approve | Transition::Reject { .. })) => t,
        Ok(_) => {
            return approvals_page(&web, &headers, &who, String::new(), vec!["操作无效".into()])
                .await;
        }
        Err(e) => {
            return approvals_page(
                &web,
                &headers,
                &who,
                String::new(),
                vec![e.body().message, e.body().details.join(";")],
            )
            .await;
        }
    };
    let mut keys = Vec::new();
    for (n, v) in &form {
        if n != "k" {
            continue;
        }
        let parts: Vec<&str> = v.split('|').collect();
        if let [i, p, per, comp] = parts[..]
            && let (Ok(period), Some(component)) =
                (per.parse(), youxiang_core::value::Component::parse(comp))
        {
            keys.push(ValueKey {
                indicator: i.into(),
                place: p.into(),
                period,
                component,
            });
        }
    }
    if keys.is_empty() {
        return approvals_page(
            &web,
            &headers,
            &who,
            String::new(),
            vec!["请先勾选数据".into()],
        )
        .await;
    }
    match web.app.transition(&who.user.login, keys, t).await {
        Ok(n) => approvals_page(&web, &headers, &who, format!("已处理 {n} 条"), vec![]).await,
        Err(e) => {
            let b = ApiError::from(e).body();
            let mut errs = vec![b.message];
            errs.extend(b.details);
            approvals_page(&web, &headers, &who, String::new(), errs).await
        }
    }
}

async fn completeness(
    State(web): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<api::CompletenessQuery>,
) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let c = chrome(&web, &headers, Some(&who), "/completeness");
    let window = match api::completeness_window(&q) {
        Ok(w) => w,
        Err(e) => return error_page(c, e),
    };
    let rows = match web.app.completeness(window).await {
        Ok(r) => r,
        Err(e) => return error_page(c, e.into()),
    };
    let all = matches!(who.user.role, Role::Admin | Role::Office | Role::Viewer);
    let rows = rows
        .into_iter()
        .filter(|r| all || r.reporter == who.user.login)
        .filter(|r| r.expected > 0)
        .take(2000)
        .map(|r| {
            (
                String::new(),
                vec![
                    (format!("{}({})", r.reporter_name, r.unit), false),
                    (r.period.label_zh(), false),
                    (r.due.to_string(), false),
                    (format!("{} 项", r.expected), true),
                    (format!("{} 项", r.on_time), true),
                    (format!("{} 项", r.late), true),
                    (format!("{} 项", r.missing), true),
                    (format!("{:.1}%", r.rate() * 100.0), true),
                ],
            )
        })
        .collect();
    let head = [
        "填报人 reporter",
        "期间 period",
        "截止 due",
        "应报 expected",
        "按时 on time",
        "逾期 late",
        "缺报 missing",
        "完成率 rate",
    ]
    .iter()
    .enumerate()
    .map(|(i, h)| (h.to_string(), i >= 3))
    .collect();
    render(&TablePage {
        title: c.t("completeness").into(),
        action: "/completeness".into(),
        filters: vec![
            (
                "from".into(),
                "from".into(),
                q.from.clone().unwrap_or_default(),
            ),
            ("to".into(), "to".into(), q.to.clone().unwrap_or_default()),
            (
                "as_of".into(),
                "as_of".into(),
                q.as_of.clone().unwrap_or_default(),
            ),
        ],
        notice: String::new(),
        errors: vec![],
        form: false,
        head,
        rows,
        c,
    })
}

/// What an audit row's action code means, for people; the code itself in English (it is
/// what the filter takes) and for an action not listed here.
fn action_label(code: &str, en: bool) -> String {
    let zh = match code {
        "value.write" => "填报数值",
        "value.delete" => "删除数值",
        "value.submit" => "提交数值",
        "value.approve" => "审核通过",
        "value.reject" => "退回数值",
        "value.reopen" => "重新打开",
        "value.quarantine" => "隔离未知数据",
        "plan.save" => "保存方案",
        "places.save" => "保存地点",
        "reporters.save" => "保存用户",
        "user.password" => "设置密码",
        "user.disable" => "停用用户",
        "user.enable" => "启用用户",
        "attachment.upload" => "上传附件",
        "weekly.file" => "报送周计划",
        "order.raise" => "发起督办",
        _ => {
            // An order's steps are named by the supervision rules themselves.
            use youxiang_core::manage::supervise::ActionKind;
            let step = code.strip_prefix("order.").and_then(|step| {
                ActionKind::ALL.into_iter().find(|k| {
                    serde_json::to_value(k)
                        .ok()
                        .as_ref()
                        .and_then(|v| v.as_str())
                        == Some(step)
                })
            });
            return match (step, en) {
                (Some(k), false) => format!("督办{}", k.label_zh()),
                _ => code.to_string(),
            };
        }
    };
    if en { code.to_string() } else { zh.to_string() }
}

async fn audit(
    State(web): State<Shared>,
    headers: HeaderMap,
    OriginalUri(_uri): OriginalUri,
    Query(q): Query<api::AuditQuery>,
) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let c = chrome(&web, &headers, Some(&who), "/audit");
    if !who.user.role.can_read_audit() {
        return error_page(
            c,
            ApiError::Forbidden(vec![format!("{} 无权查看审计记录", who.user.name)]),
        );
    }
    let filter: AuditFilter = match api::audit_filter(&q) {
        Ok(f) => f,
        Err(e) => return error_page(c, e),
    };
    let rows = match web.app.audit_query(&filter).await {
        Ok(r) => r,
        Err(e) => return error_page(c, e.into()),
    };
    // Where each action came from: the command line names the operating-system user; a
    // row without an origin is the signed-in user's, through the web.
    let origin = |o: Option<&str>| match o {
        None => c.t("origin_web").to_string(),
        Some(o) => match o.strip_prefix("cli:") {
            Some(who) => c.t("origin_cli").replace("{}", who),
            None => o.to_string(),
        },
    };
    let rows = rows
        .into_iter()
        .map(|e| {
            (
                String::new(),
                vec![
                    (e.seq.to_string(), true),
                    (
                        youxiang_core::china_time::beijing(e.at)
                            .format("%Y-%m-%d %H:%M:%S")
                            .to_string(),
                        false,
                    ),
                    (e.actor, false),
                    (origin(e.origin.as_deref()), false),
                    (action_label(&e.action, c.en), false),
                    (e.entity, false),
                    (e.old.unwrap_or_default(), false),
                    (e.new.unwrap_or_default(), false),
                    (e.reason.unwrap_or_default(), false),
                ],
            )
        })
        .collect();
    let head = [
        "#",
        c.t("audit_time"),
        c.t("audit_actor"),
        c.t("origin"),
        c.t("audit_action"),
        c.t("audit_entity"),
        c.t("audit_old"),
        c.t("audit_new"),
        c.t("reason"),
    ]
    .iter()
    .enumerate()
    .map(|(i, h)| (h.to_string(), i == 0))
    .collect();
    render(&TablePage {
        title: c.t("audit").into(),
        action: "/audit".into(),
        filters: vec![
            (
                "actor".into(),
                c.t("audit_actor").into(),
                q.actor.clone().unwrap_or_default(),
            ),
            (
                "indicator".into(),
                c.t("indicator").into(),
                q.indicator.clone().unwrap_or_default(),
            ),
            (
                "place".into(),
                c.t("place_filter").into(),
                q.place.clone().unwrap_or_default(),
            ),
            (
                "action".into(),
                c.t("audit_action").into(),
                q.action.clone().unwrap_or_default(),
            ),
        ],
        notice: String::new(),
        errors: vec![],
        form: false,
        head,
        rows,
        c,
    })
}
