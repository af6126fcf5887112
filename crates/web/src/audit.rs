//! The audit trail: `GET /api/v1/audit` and the page `/audit` (the office, the
//! administrator and the auditor only), newest first, filtered by place, indicator, actor,
//! action and time; each row says where it came from (the web or the command line).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::AuditFilter;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PageUser};
use crate::layout::{PageResult, TablePage, render};
use crate::text::parse_time;

#[derive(OpenApi)]
#[openapi(paths(audit), components(schemas(AuditOut)))]
pub struct AuditDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/audit", get(audit))
        .route("/audit", get(audit_html))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub actor: Option<String>,
    /// `value.write`, `value.approve`, `user.password`, …
    pub action: Option<String>,
    /// From this time on (`2025-06-01T08:00:00Z`, or `2025-06-01`, UTC).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Before this time.
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// At most this many rows, newest first (100; at most 1,000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Option<String>,
    pub hash: String,
    /// Where the action came from: `cli:<os-user>@<host>` for the command line (the
    /// operating-system user who ran it); null for the web (the signed-in user) and for rows
    /// written before origins were recorded.
    #[schema(example = "cli:root@host")]
    pub origin: Option<String>,
}

pub fn audit_filter(q: &AuditQuery) -> ApiResult<AuditFilter> {
    Ok(AuditFilter {
        place: q.place.clone(),
        indicator: q.indicator.clone(),
        actor: q.actor.clone(),
        action: q.action.clone(),
        since: q
            .since
            .as_deref()
            .map(|t| parse_time(t, "since"))
            .transpose()?,
        until: q
            .until
            .as_deref()
            .map(|t| parse_time(t, "until"))
            .transpose()?,
        limit: Some(match q.limit {
            None => 100,
            Some(n @ 1..=1000) => n as usize,
            Some(n) => return Err(ApiError::invalid(format!("limit {n} 应在 1 到 1000 之间"))),
        }),
    })
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses(
        (status = 200, description = "审计记录,新的在前(仅工作专班与管理员)", body = Vec<AuditOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn audit(
    State(web): State<Shared>,
    who: Authed,
    q: Result<ApiQuery<AuditQuery>, ApiError>,
) -> ApiResult<Json<Vec<AuditOut>>> {
    if !who.user.role.can_read_audit() {
        return Err(ApiError::Forbidden(vec![format!(
            "{}({})无权查看审计记录",
            who.user.name,
            who.user.role.label_zh()
        )]));
    }
    // The query is read after the right to read the audit is checked.
    let ApiQuery(q) = q?;
    let filter = audit_filter(&q)?;
    let rows = web.app.audit_query(&filter).await?;
    Ok(Json(
        rows.into_iter()
            .map(|e| AuditOut {
                seq: e.seq,
                at: e.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                actor: e.actor,
                action: e.action,
                entity: e.entity,
                place: e.place,
                indicator: e.indicator,
                period: e.period,
                old: e.old,
                new: e.new,
                reason: e.reason,
                hash: e.hash,
                origin: e.origin,
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// The page

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

async fn audit_html(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/audit");
    if !who.user.role.can_read_audit() {
        return Err(c.error(ApiError::Forbidden(vec![format!(
            "{} 无权查看审计记录",
            who.user.name
        )])));
    }
    let filter: AuditFilter = audit_filter(&q).map_err(|e| c.error(e))?;
    let rows = web.app.audit_query(&filter).await.map_err(|e| c.error(e))?;
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
    let title = c.t("audit");
    let filters = vec![
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
    ];
    Ok(render(&TablePage::listing(
        c, title, "/audit", filters, head, rows,
    )))
}
