//! Changing one's own password, and the gate that keeps a user whose password must be
//! changed (set by the security administrator, or older than the maximum age) away from
//! everything else until they have changed it.
//!
//! The change asks for the current password (verified under the sign-in throttle, so the
//! form cannot be used to guess it), checks the new one against the policy
//! ([`youxiang_core::password::weaknesses`]), and starts a fresh session: the old one ended
//! with the password, like every other session of the user.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::Shared;
use crate::api::{self, SessionInfo};
use crate::auth::{self, Authed, ClientIp};
use crate::error::{ApiError, ErrorBody};
use crate::pages::{Chrome, chrome, need, render};

/// The OpenAPI part of the password change.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_change), components(schemas(PasswordChange)))]
pub struct PasswordDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/password", get(form).post(form_post))
        .route("/api/v1/session/password", post(api_change))
}

/// Where a user whose password must be changed may still go.
fn open_while_due(method: &Method, path: &str) -> bool {
    matches!(
        path,
        "/password" | "/api/v1/session/password" | "/logout" | "/login" | "/lang"
    ) || path.starts_with("/static/")
        || path == "/favicon.ico"
        || (path == "/api/v1/session" && (method == Method::GET || method == Method::DELETE))
}

/// Before every request: a session whose password must be changed reaches only the
/// password change (pages are sent there; the API answers 403 saying why).
pub async fn gate(State(web): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if open_while_due(request.method(), path) {
        return next.run(request).await;
    }
    let Some(who) = auth::session_of(&web, request.headers()) else {
        return next.run(request).await;
    };
    match who.change_due {
        None => next.run(request).await,
        Some(_) if path.starts_with("/api/") => ApiError::Forbidden(vec![
            "须先修改密码:POST /api/v1/session/password(current、new)".into(),
        ])
        .into_response(),
        Some(_) => Redirect::to("/password").into_response(),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    title: String,
    login: String,
    due: Option<String>,
    errors: Vec<String>,
}

fn page(c: Chrome, who: &Authed, errors: Vec<String>) -> Response {
    let due = who.change_due.map(|d| {
        if c.en {
            match d {
                youxiang_core::password::ChangeDue::SetByAnother => {
                    "Your password was set by an administrator: choose your own to go on."
                }
                youxiang_core::password::ChangeDue::Expired => {
                    "Your password has expired: change it to go on."
                }
            }
            .to_string()
        } else {
            d.label_zh().to_string()
        }
    });
    let status = if errors.is_empty() {
        None
    } else {
        Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    };
    let mut resp = render(&PasswordPage {
        title: c.t("change_password").into(),
        login: who.user.login.clone(),
        c,
        due,
        errors,
    });
    if let Some(s) = status {
        *resp.status_mut() = s;
    }
    resp
}

async fn form(State(web): State<Shared>, headers: HeaderMap) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let c = chrome(&web, &headers, Some(&who), "/password");
    page(c, &who, Vec::new())
}

#[derive(Deserialize)]
struct ChangeForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

async fn form_post(
    State(web): State<Shared>,
    ip: ClientIp,
    headers: HeaderMap,
    form: Result<Form<ChangeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let who = match need(&web, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let c = chrome(&web, &headers, Some(&who), "/password");
    let Ok(Form(f)) = form else {
        return page(c, &who, vec!["表单无效".into()]);
    };
    if who.check_csrf(Some(&f.csrf)).is_err() {
        return page(c, &who, vec![ApiError::Csrf.body().message]);
    }
    if f.new != f.repeat {
        return page(c, &who, vec!["两次输入的新密码不一致".into()]);
    }
    match change(&web, ip, &who, &f.current, &f.new).await {
        Ok((id, _)) => {
            let mut resp = Redirect::to("/overview").into_response();
            set_cookie(&web, &mut resp, &id);
            resp
        }
        Err(e) => {
            // The reasons themselves; the general heading ("数据无效") only when there are none.
            let body = e.body();
            let lines = if body.details.is_empty() {
                vec![body.message]
            } else {
                body.details
            };
            page(c, &who, lines)
        }
    }
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The password now.
    pub current: String,
    /// The new password: at least 8 characters mixing three of lower case, upper case,
    /// digits and signs, not containing the login.
    pub new: String,
}

#[utoipa::path(post, path = "/api/v1/session/password", tag = "session",
    request_body = PasswordChange,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已修改;新的会话 Cookie 已设置(原会话已结束),新的 CSRF 令牌在响应中", body = SessionInfo),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "CSRF 令牌无效", body = ErrorBody),
        (status = 422, description = "当前密码错误,或新密码不符合密码策略", body = ErrorBody),
        (status = 429, description = "尝试次数过多", body = ErrorBody),
    ))]
pub(crate) async fn api_change(
    State(web): State<Shared>,
    ip: ClientIp,
    who: Authed,
    headers: HeaderMap,
    body: Result<Json<PasswordChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    who.check_csrf_header(&headers)?;
    let body = api::json_body(body)?;
    let (id, info) = change(&web, ip, &who, &body.current, &body.new).await?;
    let mut resp = Json(info).into_response();
    set_cookie(&web, &mut resp, &id);
    Ok(resp)
}

fn set_cookie(web: &Shared, resp: &mut Response, id: &str) {
    let cookie = auth::session_cookie(id, web.config.secure_cookies, web.config.session_idle);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
}

/// Verifies the current password (throttled like a sign-in), sets the new one and starts
/// a fresh session for the user: its id and what the API answers.
async fn change(
    web: &Shared,
    ip: ClientIp,
    who: &Authed,
    current: &str,
    new: &str,
) -> Result<(String, SessionInfo), ApiError> {
    let login = who.user.login.as_str();
    let weak = youxiang_core::password::weaknesses(login, new);
    if !weak.is_empty() {
        return Err(ApiError::Invalid(weak));
    }
    if current == new {
        return Err(ApiError::invalid("新密码不能与当前密码相同".to_string()));
    }
    let attempt = web.throttle.begin(login, ip.0).map_err(|r| match r {
        auth::Refused::Locked(secs) => ApiError::Throttled(secs),
        auth::Refused::InFlight => ApiError::Busy("该账号的另一次验证正在进行,请稍后再试".into()),
    })?;
    if !attempt.delay.is_zero() {
        tokio::time::sleep(attempt.delay).await;
    }
    if auth::check_password(&web.app, login, current)
        .await?
        .is_none()
    {
        return Err(ApiError::invalid("当前密码错误".to_string()));
    }
    attempt.succeeded();
    auth::set_password(&web.app, login, new, false, login)
        .await
        .map_err(|e| ApiError::Invalid(vec![e.to_string()]))?;
    web.sessions.remove(&who.session);
    web.app.refresh_users().await?;
    let stamp = web
        .app
        .read()
        .credentials
        .get(login)
        .map(|c| c.stamp.clone())
        .ok_or_else(|| ApiError::Unauthorized("用户已停用".into()))?;
    let (id, csrf) = web.sessions.create(login, &stamp, None)?;
    Ok((id, api::session_info(&who.user, &csrf)))
}
