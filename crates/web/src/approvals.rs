//! Review of the figures: `POST /api/v1/values/transition` (submit, approve, reject,
//! reopen; all or nothing, checked by the app row by row) and the approval queue
//! `/approvals` (the submitted figures an approver may decide on, approved or sent back in
//! one form).

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use youxiang_app::State as AppState;
use youxiang_app::ValueFilter;
use youxiang_core::scope::{Reporter, Role};
use youxiang_core::value::{Transition, ValueKey, ValueState};

use crate::Shared;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PageUser, Writer};
use crate::layout::{Fields, PageResult, TablePage, check_form, field, render};
use crate::text::num;
use crate::values::{KeyIn, key_of};

#[derive(OpenApi)]
#[openapi(paths(transition), components(schemas(TransitionIn, TransitionOut)))]
pub struct ApprovalsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/values/transition", post(transition))
        .route("/approvals", get(approvals).post(approvals_post))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionIn {
    /// `submit`, `approve`, `reject`, `reopen`.
    #[schema(pattern = "^(submit|approve|reject|reopen)$")]
    pub action: String,
    /// Required for `reject` and `reopen`.
    #[serde(default)]
    pub reason: Option<String>,
    pub keys: Vec<KeyIn>,
}

pub fn parse_transition(action: &str, reason: Option<&str>) -> ApiResult<Transition> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match action {
        "submit" => Ok(Transition::Submit),
        "approve" => Ok(Transition::Approve),
        "reject" | "reopen" => {
            let reason = reason
                .ok_or_else(|| ApiError::Conflict(format!("{action} 需要填写原因(reason)")))?
                .to_string();
            Ok(if action == "reject" {
                Transition::Reject { reason }
            } else {
                Transition::Reopen { reason }
            })
        }
        other => Err(ApiError::invalid(format!(
            "操作“{other}”无效(submit/approve/reject/reopen)"
        ))),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionOut {
    pub changed: usize,
}

#[utoipa::path(post, path = "/api/v1/values/transition", tag = "values", request_body = TransitionIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已改变审核状态(全部或全不)", body = TransitionOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权审核(逐条列出)或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "数据不存在", body = ErrorBody),
        (status = 409, description = "状态不允许此操作", body = ErrorBody),
        (status = 422, description = "请求无效", body = ErrorBody),
    ))]
async fn transition(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<TransitionIn>,
) -> ApiResult<Json<TransitionOut>> {
    let t = parse_transition(&body.action, body.reason.as_deref())?;
    if body.keys.is_empty() {
        return Ok(Json(TransitionOut { changed: 0 }));
    }
    let mut keys = Vec::new();
    let mut errors = Vec::new();
    for (n, k) in body.keys.iter().enumerate() {
        match key_of(&k.indicator, &k.place, &k.period, k.component.as_deref()) {
            Ok(key) => keys.push(key),
            Err(e) => errors.push(format!("第{}条:{e}", n + 1)),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    keys.sort();
    keys.dedup();
    let changed = web.app.transition(&who.user.login, keys, t).await?;
    Ok(Json(TransitionOut { changed }))
}

// ---------------------------------------------------------------------------------------
// The approval queue

fn may_approve(state: &AppState, who: &Reporter, key: &ValueKey) -> bool {
    let Some(place) = state.tree.id(&key.place) else {
        return false;
    };
    let office = who.role.is_office();
    who.role.can_approve()
        && who.scope.covers_indicator(&key.indicator)
        && if office {
            who.scope.covers_place(&state.tree, place)
        } else {
            who.scope.covers_below(&state.tree, place)
        }
}

async fn approvals_page(
    web: &Shared,
    who: &PageUser,
    notice: String,
    errors: Vec<String>,
) -> Response {
    let c = who.chrome(web, "/approvals");
    let values = match web
        .app
        .values(&ValueFilter {
            state: Some(ValueState::Submitted),
            ..Default::default()
        })
        .await
    {
        Ok(v) => v,
        Err(e) => return c.error(e),
    };
    let state = web.app.read();
    let rows: Vec<_> = values
        .into_iter()
        .filter(|o| may_approve(&state, &who.user, &o.key))
        .take(500)
        .map(|o| {
            let ind = state.plan.indicator(&o.key.indicator);
            let unit = ind.map(|i| i.unit.clone()).unwrap_or_default();
            let key = format!(
                "{}|{}|{}|{}",
                o.key.indicator,
                o.key.place,
                o.key.period,
                o.key.component.as_str()
            );
            (
                key,
                vec![
                    (
                        format!(
                            "{} {}",
                            o.key.indicator,
                            ind.map(|i| i.name.as_str()).unwrap_or("")
                        ),
                        false,
                    ),
                    (
                        state
                            .tree
                            .by_code(&o.key.place)
                            .map(|p| p.name.clone())
                            .unwrap_or(o.key.place.clone()),
                        false,
                    ),
                    (o.key.period.label_zh(), false),
                    (o.key.component.label_zh().to_string(), false),
                    (num(Some(o.value), &unit), true),
                    (o.reporter.clone(), false),
                    (youxiang_core::china_time::show_minute(o.reported_at), false),
                ],
            )
        })
        .collect();
    let head = [
        c.t("indicator"),
        c.t("place"),
        c.t("period"),
        c.t("component"),
        c.t("value"),
    ]
    .iter()
    .map(|h| (h.to_string(), false))
    .chain([
        ("填报人 reporter".to_string(), false),
        ("时间 time".to_string(), false),
    ])
    .enumerate()
    .map(|(i, (h, _))| (h, i == 4))
    .collect();
    let page = TablePage {
        title: c.t("approvals").into(),
        action: "/approvals".into(),
        filters: vec![],
        notice,
        errors,
        form: true,
        head,
        rows,
        c,
    };
    drop(state);
    render(&page)
}

async fn approvals(State(web): State<Shared>, who: PageUser) -> PageResult {
    who.require(&web, "/approvals", Role::can_approve)?;
    Ok(approvals_page(&web, &who, String::new(), vec![]).await)
}

async fn approvals_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    who.require(&web, "/approvals", Role::can_approve)?;
    check_form(&who.chrome(&web, "/approvals"), &who, &form)?;
    Ok(decide(&web, &who, &form).await)
}

/// Approves or sends back the figures a form ticked; the queue again, saying what happened.
async fn decide(web: &Shared, who: &PageUser, form: &Fields) -> Response {
    let get = |k: &str| field(form, k).map(String::from);
    let action = get("action").unwrap_or_default();
    let t = match parse_transition(&action, get("reason").as_deref()) {
        Ok(t @ (Transition::Approve | Transition::Reject { .. })) => t,
        Ok(_) => {
            return approvals_page(web, who, String::new(), vec!["操作无效".into()]).await;
        }
        Err(e) => {
            return approvals_page(
                web,
                who,
                String::new(),
                vec![e.body().message, e.body().details.join(";")],
            )
            .await;
        }
    };
    let mut keys = Vec::new();
    for (n, v) in form {
        if n != "k" {
            continue;
        }
        let parts: Vec<&str> = v.split('|').collect();
        if let [i, p, per, comp] = parts[..]
            && let (Ok(period), Some(component)) =
                (per.parse(), youxiang_core::value::Component::parse(comp))
        {
            keys.push(ValueKey {
                indicator: i.into(),
                place: p.into(),
                period,
                component,
            });
        }
    }
    if keys.is_empty() {
        return approvals_page(web, who, String::new(), vec!["请先勾选数据".into()]).await;
    }
    match web.app.transition(&who.user.login, keys, t).await {
        Ok(n) => approvals_page(web, who, format!("已处理 {n} 条"), vec![]).await,
        Err(e) => {
            let b = ApiError::from(e).body();
            let mut errs = vec![b.message];
            errs.extend(b.details);
            approvals_page(web, who, String::new(), errs).await
        }
    }
}
