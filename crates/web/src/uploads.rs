//! Values files: `POST /api/v1/uploads` and the page `/upload` — a CSV or .xlsx file in
//! the template's layout, read within the server's limits and written all or nothing, every
//! error located to its row and column. One upload at a time per login.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::{OpenApi, ToSchema};
use youxiang_core::scope::Role;

use crate::Shared;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{PageUser, Writer};
use crate::layout::{Chrome, PageResult, render};
use crate::values::WriteOut;

#[derive(OpenApi)]
#[openapi(paths(upload), components(schemas(UploadForm)))]
pub struct UploadsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/uploads", post(upload))
        .route("/upload", get(upload_form).post(upload_post))
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
    who: Writer,
    mp: Multipart,
) -> ApiResult<Json<WriteOut>> {
    // Taken before the body is read: a second upload is refused before it is received.
    let slot = web.uploads.take(&who.user.login)?;
    let (name, bytes, _) = read_upload(mp, web.config.body_limit).await?;
    let report = run_upload(&web, slot, bytes, name).await?;
    Ok(Json(report.into()))
}

// ---------------------------------------------------------------------------------------
// The page

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

async fn upload_form(State(web): State<Shared>, who: PageUser) -> PageResult {
    who.require(&web, "/upload", Role::can_report)?;
    let c = who.chrome(&web, "/upload");
    Ok(render(&UploadPage {
        title: c.t("upload").into(),
        c,
        summary: String::new(),
        errors: vec![],
        warnings: vec![],
        saved: String::new(),
    }))
}

async fn upload_post(State(web): State<Shared>, who: PageUser, mp: Multipart) -> PageResult {
    who.require(&web, "/upload", Role::can_report)?;
    let c = who.chrome(&web, "/upload");
    // Taken before the body is read: a second upload is refused before it is received.
    let slot = web.uploads.take(&who.user.login).map_err(|e| c.error(e))?;
    let (name, bytes, csrf) = read_upload(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    who.check_csrf(csrf.as_deref()).map_err(|e| c.error(e))?;
    let mut page = UploadPage {
        title: c.t("upload").into(),
        summary: String::new(),
        errors: vec![],
        warnings: vec![],
        saved: String::new(),
        c,
    };
    Ok(match run_upload(&web, slot, bytes, name.clone()).await {
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
    })
}
