//! 消息: the inbox — `GET /api/v1/inbox` (newest first; `read_at` empty means unread),
//! `POST /api/v1/inbox/read`, and the page `/inbox`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use youxiang_app::{Notice, NoticeKind};
use youxiang_core::china_time::show_minute;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, L, PageResult, back_to, check_form, field, render};

#[derive(OpenApi)]
#[openapi(
    paths(api_inbox, api_inbox_read),
    components(schemas(NoticeOut, ReadIn, ReadOut))
)]
pub struct InboxDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/inbox", get(api_inbox))
        .route("/api/v1/inbox/read", post(api_inbox_read))
        .route("/inbox", get(inbox_page))
        .route("/inbox/read", post(inbox_read_post))
}

/// A message of the inbox (mirrors `youxiang_app::Notice` field for field).
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeOut {
    pub id: String,
    /// Whose it is.
    pub login: String,
    /// `new_order`, `order_changed`, `deadline_soon`, `overdue`, `red_light`, `rejected`.
    #[schema(value_type = String)]
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// The page it is about, e.g. `/orders/DB-2025-0001`.
    pub link: String,
    /// UTC.
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    /// When it was read (UTC); null while unread.
    #[schema(value_type = Option<String>)]
    pub read_at: Option<NaiveDateTime>,
    /// What happened to the e-mail copy, when SMTP is configured.
    pub email: Option<String>,
}

impl From<Notice> for NoticeOut {
    fn from(n: Notice) -> Self {
        let Notice {
            id,
            login,
            kind,
            title,
            body,
            link,
            created_at,
            read_at,
            email,
        } = n;
        NoticeOut {
            id,
            login,
            kind,
            title,
            body,
            link,
            created_at,
            read_at,
            email,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/inbox", tag = "manage",
    responses(
        (status = 200, description = "站内消息,新的在前(read_at 为空即未读)", body = Vec<NoticeOut>),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_inbox(State(web): State<Shared>, who: Authed) -> ApiResult<Json<Vec<NoticeOut>>> {
    let list = web.app.inbox(&who.user.login).await?;
    Ok(Json(list.into_iter().map(NoticeOut::from).collect()))
}

/// The notices to mark read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadIn {
    pub ids: Vec<String>,
}

/// How many notices were unread and are read now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadOut {
    pub changed: usize,
}

#[utoipa::path(post, path = "/api/v1/inbox/read", tag = "manage", request_body = ReadIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已标为已读(changed 条)", body = ReadOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "不是你的消息,或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "消息不存在", body = ErrorBody),
        (status = 422, description = "请求体无效", body = ErrorBody),
    ))]
async fn api_inbox_read(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(b): JsonBody<ReadIn>,
) -> ApiResult<Json<ReadOut>> {
    let n = web.app.mark_read(&who.user.login, &b.ids).await?;
    Ok(Json(ReadOut { changed: n }))
}

// ---------------------------------------------------------------------------------------
// The page

pub(crate) struct NoticeView {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) link: String,
    pub(crate) at: String,
    pub(crate) unread: bool,
}

#[derive(Template)]
#[template(path = "manage_inbox.html")]
struct InboxPage {
    c: Chrome,
    l: L,
    title: String,
    notices: Vec<NoticeView>,
    unread: usize,
    notice: String,
}

pub(crate) fn notice_views(list: &[youxiang_app::Notice]) -> Vec<NoticeView> {
    list.iter()
        .map(|n| NoticeView {
            id: n.id.clone(),
            kind: n.kind.label_zh().into(),
            title: n.title.clone(),
            body: n.body.clone(),
            link: if n.link.starts_with('/') && !n.link.starts_with("//") {
                n.link.clone()
            } else {
                String::new()
            },
            at: show_minute(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect()
}

async fn inbox_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/inbox");
    let list = web
        .app
        .inbox(&who.user.login)
        .await
        .map_err(|e| c.error(e))?;
    let notices = notice_views(&list);
    let unread = notices.iter().filter(|n| n.unread).count();
    let l = c.labels();
    Ok(render(&InboxPage {
        title: l.t("inbox").into(),
        notices,
        unread,
        notice: q.get("ok").cloned().unwrap_or_default(),
        l,
        c,
    }))
}

async fn inbox_read_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    check_form(&who.chrome(&web, "/inbox"), &who, &form)?;
    let c = who.chrome(&web, "/inbox");
    let ids: Vec<String> = if field(&form, "all").is_some() {
        web.app
            .inbox(&who.user.login)
            .await
            .map_err(|e| c.error(e))?
            .into_iter()
            .filter(|n| n.read_at.is_none())
            .map(|n| n.id)
            .collect()
    } else {
        form.iter()
            .filter(|(k, _)| k == "id")
            .map(|(_, v)| v.clone())
            .collect()
    };
    let n = web
        .app
        .mark_read(&who.user.login, &ids)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to("/inbox", &format!("已标为已读 {n} 条")))
}
