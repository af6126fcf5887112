//! 清单化管理 on the web: the plan's key tasks and major projects — `GET /api/v1/tasks`,
//! `GET`/`PUT /api/v1/tasks/{id}` (the whole item with its version), progress with
//! evidence files (`POST /api/v1/tasks/{id}/progress`), the files themselves
//! (`/api/v1/attachments/{sha256}`); and the pages 任务清单 `/tasks` and one item
//! `/tasks/{id}` with its progress and milestone forms ([`pages`]).

mod pages;
pub mod types;

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use youxiang_app::Versioned;
use youxiang_core::manage::WorkItem;
use youxiang_core::scope::Reporter;

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, Writer};
use crate::uploads::multipart_error;
pub use types::{ProgressForm, TaskOut, TaskPut};

#[derive(OpenApi)]
#[openapi(
    paths(api_tasks, api_task, api_task_put, api_task_progress, api_attachment),
    components(schemas(TaskOut, TaskPut, ProgressForm))
)]
pub struct TasksDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/tasks", get(api_tasks))
        .route("/api/v1/tasks/{id}", get(api_task).put(api_task_put))
        .route("/api/v1/tasks/{id}/progress", post(api_task_progress))
        .route("/api/v1/attachments/{sha256}", get(api_attachment))
        .merge(pages::routes())
}

fn task_out(u: &Reporter, w: &Versioned<WorkItem>, day: NaiveDate) -> TaskOut {
    TaskOut {
        stamp: w.into(),
        item: (&w.item).into(),
        milestones_done: w
            .item
            .milestones
            .iter()
            .filter(|m| m.done_on.is_some())
            .count(),
        milestones_overdue: w.item.overdue_milestones(day).len(),
        may_edit: youxiang_core::permission::may_edit_work_item(u, &w.item),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    /// Only items with a milestone past its date and not done.
    pub overdue: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "manage", params(TasksQuery),
    responses(
        (status = 200, description = "重点任务和重大项目(里程碑、投资、进展)", body = Vec<TaskOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_tasks(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<TasksQuery>,
) -> ApiResult<Json<Vec<TaskOut>>> {
    let day = web.app.today();
    let items = web.app.work_items().await?;
    Ok(Json(
        items
            .iter()
            .filter(|w| !q.overdue.unwrap_or(false) || !w.item.overdue_milestones(day).is_empty())
            .map(|w| task_out(&who.user, w, day))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "manage",
    params(("id" = String, Path, description = "task:1.2 或 project:P01")),
    responses(
        (status = 200, description = "一项任务或项目", body = TaskOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
    ))]
async fn api_task(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskOut>> {
    let w = web.app.work_item(&id).await?;
    Ok(Json(task_out(&who.user, &w, web.app.today())))
}

#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "manage",
    params(("id" = String, Path, description = "task:1.2 或 project:P01"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = TaskPut, description = "GET 返回的对象(含 version),修改后整体提交"),
    responses(
        (status = 200, description = "已保存", body = TaskOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权修改或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 409, description = "已被他人修改(version 不符)", body = ErrorBody),
        (status = 422, description = "数据无效(逐条列出)", body = ErrorBody),
    ))]
async fn api_task_put(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TaskPut>,
) -> ApiResult<Json<TaskOut>> {
    if body.item.id != id {
        return Err(ApiError::invalid(format!(
            "请求体的 id“{}”与路径“{id}”不符",
            body.item.id
        )));
    }
    web.app.work_item(&id).await?;
    let saved = web
        .app
        .save_work_item(&who.user.login, body.item.into(), body.version)
        .await?;
    Ok(Json(task_out(&who.user, &saved, web.app.today())))
}

pub(crate) type Files = Vec<(String, String, Vec<u8>)>;

/// Reads a progress update's form: its text, its files (empty parts skipped) and the csrf
/// field; a body over `body_limit` is a 413.
pub(crate) async fn read_progress(
    mut mp: Multipart,
    body_limit: usize,
) -> ApiResult<(String, Files, Option<String>)> {
    let bad = |e| multipart_error(e, body_limit);
    let mut text = String::new();
    let mut files = Vec::new();
    let mut csrf = None;
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "text" => text = field.text().await.map_err(bad)?,
            "csrf" => csrf = field.text().await.ok(),
            "file" => {
                // A browser sends an empty part with `filename=""` when no file was
                // chosen; a part without any filename is not a file at all.
                let Some(name) = field.file_name() else {
                    return Err(ApiError::invalid("附件(file)必须是文件(缺少 filename)"));
                };
                let name = name.rsplit(['/', '\\']).next().unwrap_or(name).to_string();
                let mime = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                if !name.is_empty() && !bytes.is_empty() {
                    files.push((name, mime, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok((text, files, csrf))
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/progress", tag = "manage",
    params(("id" = String, Path, description = "task:1.2 或 project:P01"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = ProgressForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "已记录进展", body = TaskOut),
        (status = 400, description = "不是 multipart/form-data 请求"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权填报或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 413, description = "上传内容超过大小上限", body = ErrorBody),
        (status = 422, description = "内容无效", body = ErrorBody),
    ))]
async fn api_task_progress(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    mp: Multipart,
) -> ApiResult<Json<TaskOut>> {
    let (text, files, _) = read_progress(mp, web.config.body_limit).await?;
    let saved = web
        .app
        .add_progress(&who.user.login, &id, &text, files)
        .await?;
    Ok(Json(task_out(&who.user, &saved, web.app.today())))
}

#[utoipa::path(get, path = "/api/v1/attachments/{sha256}", tag = "manage",
    params(("sha256" = String, Path, description = "附件的 SHA-256(64 位十六进制)")),
    responses(
        (status = 200, description = "附件内容", content_type = "application/octet-stream"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "不存在,或不属于你能看到的任务", body = ErrorBody),
    ))]
async fn api_attachment(
    State(web): State<Shared>,
    _who: Authed,
    Path(sha): Path<String>,
) -> ApiResult<Response> {
    let sha = sha.to_ascii_lowercase();
    // Only files attached to a work item (every signed-in user sees the task list).
    let items = web.app.work_items().await?;
    let Some(att) = items
        .iter()
        .flat_map(|w| w.item.updates.iter())
        .flat_map(|u| u.attachments.iter())
        .find(|a| a.sha256 == sha)
        .cloned()
    else {
        return Err(ApiError::NotFound(format!("附件“{sha}”")));
    };
    let (meta, bytes) = web
        .app
        .attachment(&sha)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("附件“{sha}”")))?;
    // Stored types are what the uploader's browser said: never let one render as a page.
    let mime = if meta.mime.starts_with("text/html") || meta.mime.contains("xml") {
        "application/octet-stream"
    } else {
        meta.mime.as_str()
    };
    Ok(file_response(mime, "attachment", &att.name, bytes))
}
