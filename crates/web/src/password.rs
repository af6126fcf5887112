//! Passwords as the web shows them (hashing, the sign-in check and the policy are the app's,
//! `youxiang_app::accounts`): changing one's own password (`/password`,
//! `POST /api/v1/session/password`), and the gate that keeps a user whose password must be
//! changed (set by the security administrator, or older than the maximum age) away from
//! everything else until they have changed it.
//!
//! The change asks for the current password (verified under the sign-in throttle, so the
//! form cannot be used to guess it), checks the new one against the policy
//! ([`youxiang_core::password::weaknesses`]), and starts a fresh session: the old one ended
//! with the password, like every other session of the user.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;
use youxiang_core::password::ChangeDue;

use crate::Shared;
use crate::auth::{self, Authed};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ClientIp, JsonBody, PageUser, Session, Writer};
use crate::layout::{Chrome, render};
use crate::session::{SessionInfo, session_info, set_session_cookie};

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
        || crate::ops::is_ops_path(path)
        || path == "/favicon.ico"
        || is_public_path(path)
        || (path == "/api/v1/session" && (method == Method::GET || method == Method::DELETE))
}

/// The pages and files anyone may read without signing in (the public dashboard, open
/// data, the survey's answer page): a signed-in user whose password is due reads them as
/// anyone would.
fn is_public_path(path: &str) -> bool {
    path == "/public"
        || path.starts_with("/public/")
        || path.starts_with("/open/")
        || path.starts_with("/s/")
}

/// Before every request: a session whose password must be changed reaches only the
/// password change (pages are sent there; the API answers 403 saying why). The session
/// looked up here is kept in the request for the handler's extractor.
pub async fn gate(State(web): State<Shared>, mut request: Request, next: Next) -> Response {
    if open_while_due(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let who = auth::session_of(&web, request.headers()).await;
    crate::ops::note_user(request.extensions(), who.as_ref());
    let due = who.as_ref().is_some_and(|w| w.change_due.is_some());
    request.extensions_mut().insert(Session(who));
    if !due {
        next.run(request).await
    } else if request.uri().path().starts_with("/api/") {
        ApiError::Forbidden(vec![
            "须先修改密码:POST /api/v1/session/password(current、new)".into(),
        ])
        .into_response()
    } else {
        Redirect::to("/password").into_response()
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
                ChangeDue::SetByAnother => {
                    "Your password was set by an administrator: choose your own to go on."
                }
                ChangeDue::Expired => "Your password has expired: change it to go on.",
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

async fn form(State(web): State<Shared>, who: PageUser) -> Response {
    let c = who.chrome(&web, "/password");
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
    who: PageUser,
    form: Result<Form<ChangeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let c = who.chrome(&web, "/password");
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
            set_session_cookie(&web, &mut resp, &id);
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
    who: Writer,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<Response, ApiError> {
    let (id, info) = change(&web, ip, &who, &body.current, &body.new).await?;
    let mut resp = Json(info).into_response();
    set_session_cookie(&web, &mut resp, &id);
    Ok(resp)
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
    if web.app.check_password(login, current).await?.is_none() {
        return Err(ApiError::invalid("当前密码错误".to_string()));
    }
    attempt.succeeded();
    web.app.set_password(login, new, false, login).await?;
    web.sessions.remove(&web.app, &who.session).await;
    web.app.refresh_users().await?;
    let stamp = web
        .app
        .read()
        .credentials
        .get(login)
        .map(|c| c.stamp.clone())
        .ok_or_else(|| ApiError::Unauthorized("用户已停用".into()))?;
    let (id, csrf) = web.sessions.create(&web.app, login, &stamp, None).await?;
    Ok((id, session_info(&who.user, &csrf)))
}
