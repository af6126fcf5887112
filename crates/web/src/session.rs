//! Signing in and out: `POST/GET/DELETE /api/v1/session` for the API, the sign-in form
//! `/login` (a double-submit CSRF token, as there is no session yet), `/logout`, the home
//! page's redirect and the language switch `/lang`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use youxiang_core::scope::Reporter;

use crate::Shared;
use crate::auth::{self, Authed, set_cookie};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ClientIp, JsonBody, Writer};
use crate::layout::{Chrome, chrome, is_en, render};

#[derive(OpenApi)]
#[openapi(
    paths(sign_in, whoami, sign_out),
    components(schemas(SignIn, SessionInfo))
)]
pub struct SessionDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v1/session",
            post(sign_in).get(whoami).delete(sign_out),
        )
        .route("/", get(home))
        .route("/login", get(login_form).post(login_post))
        .route("/logout", post(logout))
        .route("/lang", get(lang))
}

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
    let stored = web.app.check_password(login, password).await?;
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
            let due = youxiang_app::accounts::change_due(&stored, web.config.password_max_age_days);
            let (id, csrf) = web
                .sessions
                .create(&web.app, &user.login, &stamp, due)
                .await?;
            Ok((user, id, csrf))
        }
        _ => Err(ApiError::Unauthorized("用户名或密码错误".into())),
    }
}

/// Sets the cookie of the new session `id`.
pub(crate) fn set_session_cookie(web: &Shared, resp: &mut Response, id: &str) {
    let cookie = auth::session_cookie(id, web.config.secure_cookies, web.config.session_idle);
    set_cookie(resp, &cookie);
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
    JsonBody(body): JsonBody<SignIn>,
) -> ApiResult<Response> {
    let (user, id, csrf) = start_session(&web, ip, &body.login, &body.password).await?;
    let mut resp = Json(session_info(&user, &csrf)).into_response();
    set_session_cookie(&web, &mut resp, &id);
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
async fn sign_out(State(web): State<Shared>, who: Writer) -> Response {
    web.sessions.remove(&web.app, &who.session).await;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut resp, &auth::clear_cookie(web.config.secure_cookies));
    resp
}

// ---------------------------------------------------------------------------------------
// Pages

async fn home(who: Option<Authed>) -> Response {
    if who.is_some() {
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
    set_cookie(&mut resp, &cookie);
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

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

/// The page to go to after signing in: `next` when it can only lead to this site's pages
/// (never back to the sign-in page), else the overview.
fn after_sign_in(next: &str) -> &str {
    if is_local_path(next) && !next.starts_with("/login") && next != "/" {
        next
    } else {
        "/overview"
    }
}

async fn login_form(
    State(web): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let c = chrome(&web, is_en(&headers), None, "/login");
    // A query that does not read is no reason to refuse the sign-in page.
    let next = q.ok().and_then(|Query(q)| q.next);
    let next = next.as_deref().map(after_sign_in).unwrap_or("/overview");
    login_page(c, None, String::new(), next, web.config.secure_cookies)
}

fn login_page(
    mut c: Chrome,
    error: Option<String>,
    login: String,
    next: &str,
    secure: bool,
) -> Response {
    // Double-submit token for the sign-in form (there is no session yet).
    let token = auth::random_token().unwrap_or_default();
    c.csrf = token.clone();
    let failed = error.is_some();
    let page = LoginPage {
        title: c.t("signin").into(),
        c,
        error,
        login,
        next: next.to_string(),
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = StatusCode::UNAUTHORIZED;
    }
    set_cookie(
        &mut resp,
        &format!(
            "{LOGIN_CSRF}={token}; Path=/login; HttpOnly; SameSite=Strict{}",
            if secure { "; Secure" } else { "" }
        ),
    );
    resp
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login_post(
    State(web): State<Shared>,
    ip: ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let c = chrome(&web, is_en(&headers), None, "/login");
    let secure = web.config.secure_cookies;
    let Ok(Form(form)) = form else {
        return login_page(
            c,
            Some("表单无效".into()),
            String::new(),
            "/overview",
            secure,
        );
    };
    let next = after_sign_in(&form.next);
    let expected = auth::cookie(&headers, LOGIN_CSRF).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return login_page(
            c,
            Some(ApiError::Csrf.body().message),
            form.login,
            next,
            secure,
        );
    }
    match start_session(&web, ip, &form.login, &form.password).await {
        Ok((_, id, _)) => {
            let mut resp = Redirect::to(next).into_response();
            set_session_cookie(&web, &mut resp, &id);
            resp
        }
        Err(e) => login_page(c, Some(e.body().message), form.login, next, secure),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    State(web): State<Shared>,
    who: Option<Authed>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(who) = who
        && who.check_csrf(f.csrf.as_deref()).is_ok()
    {
        web.sessions.remove(&web.app, &who.session).await;
    }
    let mut resp = Redirect::to("/login").into_response();
    set_cookie(&mut resp, &auth::clear_cookie(web.config.secure_cookies));
    resp
}
