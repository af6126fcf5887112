//! One error type for every handler: each [`AppError`] becomes a status code and a JSON
//! body `{"error": code, "message": text, "details": [...]}`; server errors are logged
//! (through `tracing`, in the request's span) with their cause and answered without it.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use youxiang_app::AppError;
use youxiang_app::StoreError;
use youxiang_app::{IngestError, IngestWarning};

/// A problem in an uploaded file, located to the row and column.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileProblem {
    pub file: String,
    /// 1-based row as Excel shows it (header = row 1); absent for the file as a whole.
    pub row: Option<usize>,
    /// Column letter as Excel shows it (`E`).
    pub column: Option<String>,
    /// The column's header text.
    pub header: Option<String>,
    /// The cell's text as read.
    pub value: String,
    pub reason: String,
    /// The whole sentence, e.g. `values.csv 第12行 E列(数值):“abc”不是数字`.
    pub message: String,
}

impl From<&IngestError> for FileProblem {
    fn from(e: &IngestError) -> Self {
        FileProblem {
            file: e.file.clone(),
            row: e.row,
            column: e.column.as_ref().map(|c| c.letter.clone()),
            header: e.column.as_ref().map(|c| c.header.clone()),
            value: e.value.clone(),
            reason: e.reason.clone(),
            message: e.to_string(),
        }
    }
}

impl From<&IngestWarning> for FileProblem {
    fn from(e: &IngestWarning) -> Self {
        FileProblem {
            file: e.file.clone(),
            row: e.row,
            column: e.column.as_ref().map(|c| c.letter.clone()),
            header: e.column.as_ref().map(|c| c.header.clone()),
            value: e.value.clone(),
            reason: e.reason.clone(),
            message: e.to_string(),
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: `unauthorized`, `forbidden`, `csrf`, `not_found`, `invalid`,
    /// `upload`, `too_large`, `busy`, `locked`, `conflict`, `throttled`, `internal`.
    pub error: String,
    /// A sentence in Chinese.
    pub message: String,
    /// Every refusal or problem, one line each (for an upload they are in `errors`, each
    /// once, not repeated here).
    pub details: Vec<String>,
    /// For an upload: the errors, located to the row and column (nothing was written); the
    /// first 1,000 (the server's `max_errors`) in row order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FileProblem>,
    /// For an upload: how many more errors there were than `errors` lists.
    #[serde(skip_serializing_if = "is_zero")]
    pub errors_omitted: usize,
    /// For an upload: the warnings found along with the errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FileProblem>,
}

#[derive(Debug)]
pub enum ApiError {
    /// Not signed in (or the session expired).
    Unauthorized(String),
    Forbidden(Vec<String>),
    /// The CSRF token is missing or wrong.
    Csrf,
    NotFound(String),
    Invalid(Vec<String>),
    Upload {
        errors: Vec<FileProblem>,
        /// Errors found beyond those listed.
        omitted: usize,
        warnings: Vec<FileProblem>,
    },
    /// The request body is over the configured limit (413).
    TooLarge(String),
    /// The same login already has an upload running (429).
    Busy(String),
    Locked(String),
    Conflict(String),
    /// Too many failed sign-ins: try again after this many seconds.
    Throttled(u64),
    /// Logged with its cause; answered without it.
    Internal(String),
    /// The store cannot be read (503); logged with its cause.
    Unavailable(String),
}

impl ApiError {
    pub fn invalid(msg: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![msg.into()])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Invalid(_) | ApiError::Upload { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Locked(_) | ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Throttled(_) | ApiError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (error, message, details) = match self {
            ApiError::Unauthorized(m) => ("unauthorized", m.clone(), vec![]),
            ApiError::Forbidden(list) => ("forbidden", "无权操作".to_string(), list.clone()),
            ApiError::Csrf => (
                "csrf",
                "请求缺少有效的 CSRF 令牌(请刷新页面后重试)".to_string(),
                vec![],
            ),
            ApiError::NotFound(m) => ("not_found", format!("未找到:{m}"), vec![]),
            ApiError::Invalid(list) => ("invalid", "数据无效".to_string(), list.clone()),
            // The problems go once, in `errors`; `details` would only repeat them.
            ApiError::Upload {
                errors, omitted, ..
            } => (
                "upload",
                if *omitted > 0 {
                    format!(
                        "文件有 {} 处错误,本次上传未写入任何数据(列出前 {} 处,另有 {omitted} 处未列出)",
                        errors.len() + omitted,
                        errors.len()
                    )
                } else {
                    format!("文件有 {} 处错误,本次上传未写入任何数据", errors.len())
                },
                vec![],
            ),
            ApiError::TooLarge(m) => ("too_large", m.clone(), vec![]),
            ApiError::Busy(m) => ("busy", m.clone(), vec![]),
            ApiError::Locked(m) => ("locked", m.clone(), vec![]),
            ApiError::Conflict(m) => ("conflict", m.clone(), vec![]),
            ApiError::Throttled(secs) => (
                "throttled",
                format!("登录失败次数过多,请 {} 分钟后再试", secs.div_ceil(60)),
                vec![],
            ),
            ApiError::Internal(_) => (
                "internal",
                "服务器内部错误,已记录,请稍后重试或联系管理员".to_string(),
                vec![],
            ),
            ApiError::Unavailable(_) => (
                "unavailable",
                "服务暂时不可用(数据库无法访问),请稍后重试".to_string(),
                vec![],
            ),
        };
        let (errors, errors_omitted, warnings) = match self {
            ApiError::Upload {
                errors,
                omitted,
                warnings,
            } => (errors.clone(), *omitted, warnings.clone()),
            _ => (vec![], 0, vec![]),
        };
        ErrorBody {
            error: error.into(),
            message,
            details,
            errors,
            errors_omitted,
            warnings,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Forbidden(list) => ApiError::Forbidden(list),
            AppError::NotFound(m) => ApiError::NotFound(m),
            AppError::Invalid(list) => ApiError::Invalid(list),
            AppError::Upload {
                errors,
                omitted,
                warnings,
            } => ApiError::Upload {
                errors: errors.iter().map(FileProblem::from).collect(),
                omitted,
                warnings: warnings.iter().map(FileProblem::from).collect(),
            },
            AppError::Store(s) => s.into(),
            other @ (AppError::NotInitialised | AppError::Internal(_)) => {
                ApiError::Internal(other.to_string())
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            e @ StoreError::Locked { .. } => ApiError::Locked(e.to_string()),
            e @ StoreError::IllegalTransition { .. } => ApiError::Conflict(e.to_string()),
            e @ StoreError::SelfApproval { .. } => ApiError::Forbidden(vec![e.to_string()]),
            e @ StoreError::Conflict(_) => ApiError::Conflict(e.to_string()),
            StoreError::NotFound(m) => ApiError::NotFound(m),
            StoreError::Invalid(m) => ApiError::Invalid(vec![m]),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(cause) => tracing::error!(status = 500, %cause, "internal error"),
            ApiError::Unavailable(cause) => {
                tracing::error!(status = 503, %cause, "store unavailable")
            }
            _ => {}
        }
        let mut resp = (status, Json(self.body())).into_response();
        if let ApiError::Throttled(secs) = &self
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

fn is_zero(n: &usize) -> bool {
    *n == 0
}
