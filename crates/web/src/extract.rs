//! The extractors handlers start from, in place of the steps every handler used to repeat:
//!
//! - [`Authed`]: a signed-in user of the JSON API (401 in the API's error format);
//!   `Option<Authed>` when signing in is not required.
//! - [`Writer`]: a signed-in user whose JSON write carries the session's CSRF token in the
//!   `X-CSRF-Token` header (403 `csrf` otherwise), checked before the body is read.
//! - [`PageUser`]: a signed-in user of a page, with the page's language; anyone else is sent
//!   to the sign-in page.
//! - [`JsonBody`], [`ApiQuery`]: the JSON body and the query string, refused with the API's
//!   own error (422 `invalid`), not axum's plain-text rejection.
//! - [`ClientIp`]: the client's address for sign-in throttling.
//!
//! The session is looked up once per request: the password gate ([`crate::password::gate`])
//! keeps what it found in the request's extensions, and the extractors take it from there.

use std::convert::Infallible;
use std::net::IpAddr;
use std::ops::Deref;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::response::{Redirect, Response};
use serde::de::DeserializeOwned;
use youxiang_core::scope::Role;

use crate::Shared;
use crate::auth::{self, Authed};
use crate::error::ApiError;
use crate::layout::{Chrome, chrome, is_en};

/// The session of a request as looked up (`None`: not signed in), kept in the request's
/// extensions so that it is looked up once.
#[derive(Debug, Clone)]
pub(crate) struct Session(pub Option<Authed>);

/// The request's session: the one already looked up, or looked up now (and kept).
async fn session(parts: &mut Parts, web: &Shared) -> Option<Authed> {
    if let Some(Session(who)) = parts.extensions.get::<Session>() {
        return who.clone();
    }
    let who = auth::session_of(web, &parts.headers).await;
    crate::ops::note_user(&parts.extensions, who.as_ref());
    parts.extensions.insert(Session(who.clone()));
    who
}

impl FromRequestParts<Shared> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, web: &Shared) -> Result<Self, Self::Rejection> {
        session(parts, web)
            .await
            .ok_or_else(|| ApiError::Unauthorized("请先登录(或登录已过期)".into()))
    }
}

impl OptionalFromRequestParts<Shared> for Authed {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        web: &Shared,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(session(parts, web).await)
    }
}

/// A signed-in user allowed to write: the request carries the session's CSRF token in the
/// `X-CSRF-Token` header. 401 without a session, then 403 (`csrf`) without the token —
/// before the body is read.
#[derive(Debug, Clone)]
pub struct Writer(pub Authed);

impl Deref for Writer {
    type Target = Authed;

    fn deref(&self) -> &Authed {
        &self.0
    }
}

impl FromRequestParts<Shared> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, web: &Shared) -> Result<Self, Self::Rejection> {
        let who = <Authed as FromRequestParts<Shared>>::from_request_parts(parts, web).await?;
        who.check_csrf_header(&parts.headers)?;
        Ok(Writer(who))
    }
}

/// A signed-in user of a page, and the page's language (the `lang` cookie); anyone else is
/// sent to the sign-in page.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub who: Authed,
    pub en: bool,
}

impl Deref for PageUser {
    type Target = Authed;

    fn deref(&self) -> &Authed {
        &self.who
    }
}

impl PageUser {
    /// What the page shows around its content, for the page at `path`.
    pub fn chrome(&self, web: &Shared, path: &str) -> Chrome {
        chrome(web, self.en, Some(&self.who), path)
    }

    /// Whether the user's role `may` use the page at `path`: anyone else gets the 403 page
    /// (a viewer opening /upload by its address).
    #[allow(clippy::result_large_err)]
    pub fn require(&self, web: &Shared, path: &str, may: fn(Role) -> bool) -> Result<(), Response> {
        if may(self.user.role) {
            return Ok(());
        }
        Err(self
            .chrome(web, path)
            .error(ApiError::Forbidden(vec![format!(
                "{}({})无权使用此页面",
                self.user.name,
                self.user.role.label_zh()
            )])))
    }
}

impl FromRequestParts<Shared> for PageUser {
    type Rejection = Redirect;

    async fn from_request_parts(parts: &mut Parts, web: &Shared) -> Result<Self, Self::Rejection> {
        match session(parts, web).await {
            Some(who) => Ok(PageUser {
                who,
                en: is_en(&parts.headers),
            }),
            None => Err(Redirect::to(&login_for(parts))),
        }
    }
}

/// The sign-in page, carrying the page asked for (`/login?next=…`) when it was read with
/// GET, so that signing in leads back to it rather than to the home page.
fn login_for(parts: &Parts) -> String {
    let wanted = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .filter(|p| {
            parts.method == axum::http::Method::GET && *p != "/" && !p.starts_with("/login")
        })
        .filter(|p| crate::session::is_local_path(p));
    match wanted.and_then(|p| serde_urlencoded::to_string([("next", p)]).ok()) {
        Some(query) => format!("/login?{query}"),
        None => "/login".into(),
    }
}

/// A JSON request body; one that cannot be read is a 422 in the API's error format, one
/// over the body limit a 413.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(t)) => Ok(JsonBody(t)),
            // Over the body limit is the upload's 413, not a malformed body.
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => Err(
                ApiError::TooLarge(format!("请求体超过上限:{}", e.body_text())),
            ),
            Err(e) => Err(ApiError::invalid(format!("请求体无效:{}", e.body_text()))),
        }
    }
}

/// The query string; one that cannot be read is a 422 in the API's error format.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(t)) => Ok(ApiQuery(t)),
            Err(e) => Err(ApiError::invalid(format!("查询参数无效:{}", e.body_text()))),
        }
    }
}

/// The client's address (absent when the server was not started with connect info); see
/// [`auth::client_ip`].
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<Shared> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Shared) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(auth::client_ip(parts, &web.config)))
    }
}
