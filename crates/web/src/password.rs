//! Passwords: hashing (Argon2id with the crate's default parameters, stored as PHC strings
//! through the store, `Database::set_password`, audited as `user.password`), the check at
//! sign-in, setting one under the policy; changing one's own password (`/password`,
//! `POST /api/v1/session/password`), and the gate that keeps a user whose password must be
//! changed (set by the security administrator, or older than the maximum age) away from
//! everything else until they have changed it.
//!
//! The change asks for the current password (verified under the sign-in throttle, so the
//! form cannot be used to guess it), checks the new one against the policy
//! ([`youxiang_core::password::weaknesses`]), and starts a fresh session: the old one ended
//! with the password, like every other session of the user.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;
use youxiang_app::App;
use youxiang_core::password::ChangeDue;
use youxiang_store::StoredPassword;

use crate::Shared;
use crate::auth::{self, Authed};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ClientIp, JsonBody, PageUser, Session, Writer};
use crate::layout::{Chrome, render};
use crate::session::{SessionInfo, session_info, set_session_cookie};

/// The demo users' password (documented in the README: it is a demo).
pub const DEMO_PASSWORD: &str = "Demo@2025";

/// Hashes a password with Argon2id (default parameters), as a PHC string.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("getrandom: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

fn argon2() -> Argon2<'static> {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        Params::default(),
    )
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so that the answer takes as long
/// as for a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no such user").unwrap_or_default())
}

/// Checks a login and password against the store: the stored password when they match.
pub async fn check_password(
    app: &App,
    login: &str,
    password: &str,
) -> Result<Option<StoredPassword>, ApiError> {
    let stored = app.db().password(login).await?;
    let password = password.to_string();
    let hash = stored
        .as_ref()
        .map(|s| s.hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .map_err(|e| ApiError::Internal(format!("verify task: {e}")))?;
    Ok(stored.filter(|_| ok))
}

/// Why the password a user signed in with must be changed first, if it must.
pub fn change_due(stored: &StoredPassword, max_age_days: u32) -> Option<ChangeDue> {
    youxiang_core::password::change_due(
        stored.must_change,
        stored.set_at,
        chrono::Utc::now().naive_utc(),
        max_age_days,
    )
}

/// Sets a user's password (hashing it) after checking it against the policy
/// ([`youxiang_core::password::weaknesses`]), audited as `user.password` by `actor`.
/// `must_change`: the owner must change it at the next sign-in (set for them by someone
/// else).
pub async fn set_password(
    app: &App,
    login: &str,
    password: &str,
    must_change: bool,
    actor: &str,
) -> anyhow::Result<()> {
    let weak = youxiang_core::password::weaknesses(login, password);
    if !weak.is_empty() {
        anyhow::bail!("{}", weak.join(";"));
    }
    let pw = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw)).await??;
    app.db()
        .set_password(login, &hash, must_change, actor)
        .await?;
    Ok(())
}

/// Gives every user without a password the demo password [`DEMO_PASSWORD`]. For the demo
/// database only. Returns how many users it set.
pub async fn set_demo_passwords(app: &App) -> anyhow::Result<usize> {
    let logins: Vec<String> = app
        .read()
        .reporters
        .iter()
        .map(|r| r.login.clone())
        .collect();
    let mut n = 0;
    for login in logins {
        if app.db().password(&login).await?.is_none() {
            set_password(app, &login, DEMO_PASSWORD, false, "demo").await?;
            n += 1;
        }
    }
    Ok(n)
}

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
/// password change (pages are sent there; the API answers 403 saying why). The session
/// looked up here is kept in the request for the handler's extractor.
pub async fn gate(State(web): State<Shared>, mut request: Request, next: Next) -> Response {
    if open_while_due(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let who = auth::session_of(&web, request.headers());
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
    if check_password(&web.app, login, current).await?.is_none() {
        return Err(ApiError::invalid("当前密码错误".to_string()));
    }
    attempt.succeeded();
    set_password(&web.app, login, new, false, login)
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
    Ok((id, session_info(&who.user, &csrf)))
}
