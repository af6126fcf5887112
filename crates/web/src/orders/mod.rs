//! 督办 on the web: supervision orders — listing them (`GET /api/v1/orders`), one with its
//! timeline and the actions the reader may take (`GET /api/v1/orders/{id}`), raising one
//! (`POST /api/v1/orders`), acting on one (`POST /api/v1/orders/{id}/actions`), the
//! statistics per lead unit, the daily sweep (automatic orders, reminders, escalation);
//! and the pages `/orders` and `/orders/{id}` ([`pages`]).

pub(crate) mod pages;
pub mod types;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::manage::SweepReport;
use youxiang_app::{OrderFilter, Versioned};
use youxiang_core::manage::{Order, OrderDraft, OrderSource, OrderState};
use youxiang_core::scope::Reporter;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, Writer};
use crate::text::{code_of, parse_code, parse_date};
pub use types::{ActionIn, OrderOut, StatsDto, SweepOut};

#[derive(OpenApi)]
#[openapi(
    paths(
        api_orders,
        api_order,
        api_order_raise,
        api_order_action,
        api_order_stats,
        api_sweep
    ),
    components(schemas(OrderOut, RaiseIn, ActionIn, StatsDto, SweepOut))
)]
pub struct OrdersDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/orders", get(api_orders).post(api_order_raise))
        .route("/api/v1/orders/stats", get(api_order_stats))
        .route("/api/v1/orders/sweep", post(api_sweep))
        .route("/api/v1/orders/{id}", get(api_order))
        .route("/api/v1/orders/{id}/actions", post(api_order_action))
        .merge(pages::routes())
}

fn order_out(u: &Reporter, o: &Versioned<Order>, day: NaiveDate) -> OrderOut {
    OrderOut {
        stamp: o.into(),
        order: (&o.item).into(),
        actions: youxiang_core::permission::offered_order_actions(u, &o.item, day)
            .iter()
            .map(code_of)
            .collect(),
        state_zh: o.item.state.label_zh().into(),
        overdue: o.item.state.is_open() && o.item.is_overdue(day),
        days_overdue: o.item.days_overdue(day),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// Lead or partner unit.
    pub unit: Option<String>,
    /// `registered`, `assigned`, `in_progress`, `extension_requested`, `answered`,
    /// `closed`, `returned` (or the Chinese name: 立项, 交办, …); all when absent or empty.
    #[param(
        pattern = "^(registered|assigned|in_progress|extension_requested|answered|closed|returned|立项|交办|办理中|申请延期|已反馈|审结通过|退回)?$"
    )]
    pub state: Option<String>,
    /// Only open orders past their deadline.
    pub overdue: Option<bool>,
}

fn order_filter(unit: Option<&str>, state: Option<&str>, overdue: bool) -> ApiResult<OrderFilter> {
    let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            parse_code::<OrderState>(s)
                .or_else(|| OrderState::ALL.into_iter().find(|x| x.label_zh() == s))
                .ok_or_else(|| ApiError::invalid(format!("状态“{s}”无效")))?,
        ),
    };
    Ok(OrderFilter {
        unit: unit
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(String::from),
        state,
        overdue,
    })
}

#[utoipa::path(get, path = "/api/v1/orders", tag = "manage", params(OrdersQuery),
    responses(
        (status = 200, description = "你能看到的督办单(工作专班、查看者看全部,其他人看本单位牵头或配合的)", body = Vec<OrderOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_orders(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> ApiResult<Json<Vec<OrderOut>>> {
    let f = order_filter(
        q.unit.as_deref(),
        q.state.as_deref(),
        q.overdue.unwrap_or(false),
    )?;
    let day = web.app.today();
    let list = web.app.orders(&who.user.login, &f, day).await?;
    Ok(Json(
        list.iter().map(|o| order_out(&who.user, o, day)).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "manage",
    params(("id" = String, Path, description = "DB-2025-0001")),
    responses(
        (status = 200, description = "督办单,含时间线(events)和你现在可执行的操作(actions)", body = OrderOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
    ))]
async fn api_order(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderOut>> {
    let o = web.app.order(&who.user.login, &id).await?;
    Ok(Json(order_out(&who.user, &o, web.app.today())))
}

/// A new order.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RaiseIn {
    #[schema(min_length = 1, pattern = r"\S")]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The lead unit's name as in the plan (`区教育局`).
    #[schema(min_length = 1, pattern = r"\S")]
    pub lead_unit: String,
    #[serde(default)]
    pub partner_units: Vec<String>,
    /// 办理期限 `2025-10-31`.
    #[schema(format = Date)]
    pub deadline: String,
    /// Send it to the lead unit at once (交办); default true.
    #[serde(default)]
    pub assign: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/orders", tag = "manage", request_body = RaiseIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已立项(assign 时同时交办并通知牵头单位)", body = OrderOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅工作专班可立项,或 CSRF 令牌无效", body = ErrorBody),
        (status = 422, description = "内容无效(逐条列出)", body = ErrorBody),
    ))]
async fn api_order_raise(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(b): JsonBody<RaiseIn>,
) -> ApiResult<Json<OrderOut>> {
    let o = raise(&web, &who, &b).await?;
    Ok(Json(order_out(&who.user, &o, web.app.today())))
}

async fn raise(web: &Shared, who: &Authed, b: &RaiseIn) -> ApiResult<Versioned<Order>> {
    let deadline = parse_date(b.deadline.trim(), "办理期限")?;
    let draft = OrderDraft {
        id: String::new(),
        title: b.title.trim().to_string(),
        body: b.body.trim().to_string(),
        source: OrderSource::Manual,
        lead_unit: b.lead_unit.trim().to_string(),
        partner_units: b
            .partner_units
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        deadline,
    };
    Ok(web
        .app
        .raise_order(&who.user.login, draft, b.assign.unwrap_or(true))
        .await?)
}

/// Reads an action body, refusing fields the action does not take (a client that sends
/// `text` with `accept` has misunderstood the action; silently dropping it would lose it).
fn action_in(body: serde_json::Value) -> ApiResult<ActionIn> {
    let Some(sent) = body
        .as_object()
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
    else {
        return Err(ApiError::invalid("请求体应为 JSON 对象"));
    };
    let read: ActionIn =
        serde_json::from_value(body).map_err(|e| ApiError::invalid(format!("请求体无效:{e}")))?;
    // The fields an action takes are the ones it writes back (serde keeps what the type
    // declares and ignores the rest, so the comparison is what finds them).
    let takes: Vec<String> = serde_json::to_value(&read.action)
        .ok()
        .and_then(|v| v.as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default();
    let extra: Vec<String> = sent
        .iter()
        .filter(|k| k.as_str() != "version" && !takes.contains(k))
        .map(|k| format!("字段 {k} 不适用于该操作"))
        .collect();
    if extra.is_empty() {
        Ok(read)
    } else {
        Err(ApiError::Invalid(extra))
    }
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/actions", tag = "manage",
    params(("id" = String, Path, description = "DB-2025-0001"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = ActionIn, description = "request_extension 带 new_deadline 和 reason;decide_extension 带 approve;feedback 带 text;approve 带 checklist(六项全部为 true);return 带 reason;其他字段不接受", example = json!({"action": "accept", "version": 1})),
    responses(
        (status = 200, description = "已执行;返回督办单", body = OrderOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权执行(如非牵头单位)或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 409, description = "已被他人修改(version 不符)", body = ErrorBody),
        (status = 422, description = "当前状态不允许,或缺理由、期限不晚于原期限、审结核查未全部通过(列出未通过项),或带了该操作不接受的字段", body = ErrorBody),
    ))]
async fn api_order_action(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    // Read as JSON first: fields the action does not take are refused by name.
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<OrderOut>> {
    let b = action_in(body)?;
    let o = web
        .app
        .act_on_order(&who.user.login, &id, b.action.into(), b.version)
        .await?;
    Ok(Json(order_out(&who.user, &o, web.app.today())))
}

#[utoipa::path(get, path = "/api/v1/orders/stats", tag = "manage",
    responses(
        (status = 200, description = "各牵头单位的督办统计:按期办结率、逾期率(0–1),末行为合计", body = Vec<StatsDto>),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_order_stats(
    State(web): State<Shared>,
    _who: Authed,
) -> ApiResult<Json<Vec<StatsDto>>> {
    let s = web.app.order_stats(web.app.today()).await?;
    Ok(Json(s.into_iter().map(StatsDto::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/orders/sweep", tag = "manage",
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "红灯自动立项、到期提醒、逾期升级(当天重复执行不重复发送)", body = SweepOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅工作专班,或 CSRF 令牌无效", body = ErrorBody),
    ))]
async fn api_sweep(State(web): State<Shared>, who: Writer) -> ApiResult<Json<SweepOut>> {
    if !who.user.role.is_office() {
        return Err(ApiError::Forbidden(vec![format!(
            "{}({})无权执行督办巡检",
            who.user.name,
            who.user.role.label_zh()
        )]));
    }
    let SweepReport {
        raised,
        reminders,
        escalations,
    } = web.app.sweep(web.app.today()).await?;
    Ok(Json(SweepOut {
        raised,
        reminders,
        escalations,
    }))
}
