//! Review of the figures: `POST /api/v1/values/transition` (submit, approve, reject,
//! reopen; all or nothing, checked by the app row by row) and the approval queue
//! `/approvals`: the submitted figures waiting for the signed-in approver, approved or
//! returned (with a reason) ticked or all at once, each row's outcome shown.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use youxiang_app::State as AppState;
use youxiang_app::ValueFilter;
use youxiang_core::permission;
use youxiang_core::scope::{Reporter, Role};
use youxiang_core::value::{Observation, Transition, ValueKey, ValueState};

use crate::Shared;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, check_form, field, render};
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

/// A stored value's key as a form field (`indicator|place|period|component`).
fn key_field(k: &ValueKey) -> String {
    format!(
        "{}|{}|{}|{}",
        k.indicator,
        k.place,
        k.period,
        k.component.as_str()
    )
}

fn parse_key_field(v: &str) -> Option<ValueKey> {
    let parts: Vec<&str> = v.split('|').collect();
    let [i, p, per, comp] = parts[..] else {
        return None;
    };
    Some(ValueKey {
        indicator: i.into(),
        place: p.into(),
        period: per.parse().ok()?,
        component: youxiang_core::value::Component::parse(comp)?,
    })
}

/// One row of the queue, or of the result of a decision.
struct QueueRow {
    key: String,
    indicator: String,
    place: String,
    period: String,
    component: String,
    value: String,
    reporter: String,
    at: String,
    /// Why this user cannot decide on it (their own figure), when so: no checkbox.
    blocked: String,
    /// What the last decision did to it (results page), and whether it went through.
    outcome: String,
    done: bool,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    c: Chrome,
    title: String,
    notice: String,
    errors: Vec<String>,
    reason_error: String,
    reason: String,
    rows: Vec<QueueRow>,
    /// How many wait in all (the table lists the first [`SHOWN`]).
    waiting: usize,
    filter: QueueFilter,
    /// The outcome of the decision just made, row by row (empty on a plain visit).
    results: Vec<QueueRow>,
}

/// The rows a page lists at most; a bulk action covers every row of the filter.
const SHOWN: usize = 1000;

fn row_of(state: &AppState, who: &Reporter, o: &Observation, en: bool) -> QueueRow {
    let ind = state.plan.indicator(&o.key.indicator);
    let unit = ind.map(|i| i.unit.clone()).unwrap_or_default();
    let reporter = state
        .reporter(&o.reporter)
        .map(|r| format!("{}({})", r.name, r.unit))
        .unwrap_or_else(|| o.reporter.clone());
    QueueRow {
        key: key_field(&o.key),
        indicator: format!(
            "{} {}",
            o.key.indicator,
            ind.map(|i| i.name.as_str()).unwrap_or("")
        ),
        place: state
            .tree
            .by_code(&o.key.place)
            .map(|p| p.name.clone())
            .unwrap_or(o.key.place.clone()),
        period: crate::text::period_label(&o.key.period, en),
        component: if en {
            o.key.component.label_en()
        } else {
            o.key.component.label_zh()
        }
        .to_string(),
        // A ratio's parts are counts, not the ratio's unit.
        value: if o.key.component == youxiang_core::value::Component::Value {
            num(Some(o.value), &unit)
        } else {
            num(Some(o.value), "")
        },
        reporter,
        at: youxiang_core::china_time::show_minute(o.reported_at),
        blocked: if o.reporter == who.login {
            "本人填报,须由他人审核".into()
        } else {
            String::new()
        },
        outcome: String::new(),
        done: false,
    }
}

/// Which of the waiting figures a page lists and a bulk action covers (each empty: all).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct QueueFilter {
    #[serde(default)]
    pub indicator: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub period: String,
}

impl QueueFilter {
    fn from_form(form: &Fields) -> QueueFilter {
        let get = |k: &str| field(form, k).unwrap_or_default().trim().to_string();
        QueueFilter {
            indicator: get("indicator"),
            place: get("place"),
            period: get("period"),
        }
    }
}

/// What waits for `who`: the submitted figures they may decide on, within `filter`.
async fn queue(
    web: &Shared,
    who: &Reporter,
    filter: &QueueFilter,
) -> Result<Vec<Observation>, ApiError> {
    let nonempty = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
    let period = match nonempty(&filter.period) {
        Some(p) => Some(
            p.parse()
                .map_err(|e| ApiError::invalid(format!("期间“{p}”无效:{e}")))?,
        ),
        None => None,
    };
    let values = web
        .app
        .values(&ValueFilter {
            state: Some(ValueState::Submitted),
            indicator: nonempty(&filter.indicator),
            place: nonempty(&filter.place),
            period,
            ..Default::default()
        })
        .await?;
    let state = web.app.read();
    Ok(values
        .into_iter()
        .filter(|o| {
            state.tree.id(&o.key.place).is_some_and(|p| {
                permission::may_approve_figure(who, &state.tree, p, &o.key.indicator)
            })
        })
        .collect())
}

struct Decided {
    notice: String,
    errors: Vec<String>,
    reason_error: String,
    reason: String,
    results: Vec<QueueRow>,
}

async fn approvals_page(web: &Shared, who: &PageUser, filter: QueueFilter, d: Decided) -> Response {
    let c = who.chrome(web, "/approvals");
    let values = match queue(web, &who.user, &filter).await {
        Ok(v) => v,
        Err(e) => return c.error(e),
    };
    let rows = {
        let state = web.app.read();
        values
            .iter()
            .take(SHOWN)
            .map(|o| row_of(&state, &who.user, o, who.en))
            .collect()
    };
    let mut resp = render(&ApprovalsPage {
        title: c.t("approvals").into(),
        notice: d.notice,
        errors: d.errors.clone(),
        reason_error: d.reason_error,
        reason: d.reason,
        rows,
        waiting: values.len(),
        filter,
        results: d.results,
        c,
    });
    if !d.errors.is_empty() {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

async fn approvals(
    State(web): State<Shared>,
    who: PageUser,
    Query(filter): Query<QueueFilter>,
) -> PageResult {
    who.require(&web, "/approvals", Role::can_approve)?;
    Ok(approvals_page(
        &web,
        &who,
        filter,
        Decided {
            notice: String::new(),
            errors: vec![],
            reason_error: String::new(),
            reason: String::new(),
            results: vec![],
        },
    )
    .await)
}

async fn approvals_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    who.require(&web, "/approvals", Role::can_approve)?;
    check_form(&who.chrome(&web, "/approvals"), &who, &form)?;
    let filter = QueueFilter::from_form(&form);
    let d = decide(&web, &who, &form, &filter).await;
    Ok(approvals_page(&web, &who, filter, d).await)
}

/// Approves or returns the figures a form ticked (`approve`, `reject`) or every figure
/// waiting within the page's filter (`approve_all`, `reject_all`). Each row is judged on its own: the permitted
/// ones go through the app's transition together; a row refused (not the user's to
/// decide, their own figure, no longer waiting) is listed with its reason, and when the
/// app refuses the batch each row is tried alone so that one row cannot hold up the rest.
async fn decide(web: &Shared, who: &PageUser, form: &Fields, filter: &QueueFilter) -> Decided {
    let action = field(form, "action").unwrap_or_default().to_string();
    let reason = field(form, "reason").unwrap_or_default().trim().to_string();
    // The outcomes in the page's language (the app's own reasons stay as it gives them).
    let en = who.en;
    let say = |zh: &str, english: &str| {
        if en {
            english.to_string()
        } else {
            zh.to_string()
        }
    };
    let not_done = |why: &str| {
        if en {
            format!("Not done: {why}")
        } else {
            format!("未处理:{why}")
        }
    };
    let mut out = Decided {
        notice: String::new(),
        errors: vec![],
        reason_error: String::new(),
        reason: reason.clone(),
        results: vec![],
    };
    let (t, all) = match action.as_str() {
        "approve" => (Transition::Approve, false),
        "approve_all" => (Transition::Approve, true),
        "reject" | "reject_all" if reason.is_empty() => {
            out.reason_error = say(
                "退回须填写原因,原因会发给填报人",
                "A reason is required to send figures back; it is sent to the reporter",
            );
            out.errors
                .push(not_done(&say("退回须填写原因", "a reason is required")));
            return out;
        }
        "reject" => (Transition::Reject { reason }, false),
        "reject_all" => (Transition::Reject { reason }, true),
        other => {
            out.errors.push(if en {
                format!("Unknown action “{other}”")
            } else {
                format!("未知的操作“{other}”")
            });
            return out;
        }
    };
    let waiting = match queue(web, &who.user, filter).await {
        Ok(v) => v,
        Err(e) => {
            let b = e.body();
            out.errors.push(b.message);
            out.errors.extend(b.details);
            return out;
        }
    };
    let mut ticked: Vec<(String, Option<ValueKey>)> = Vec::new();
    if all {
        ticked.extend(
            waiting
                .iter()
                .filter(|o| o.reporter != who.user.login)
                .map(|o| (key_field(&o.key), Some(o.key.clone()))),
        );
    } else {
        for (n, v) in form {
            if n == "k" {
                ticked.push((v.clone(), parse_key_field(v)));
            }
        }
    }
    if ticked.is_empty() {
        out.errors.push(not_done(&say(
            "请先勾选要审核的数据",
            "tick the figures to decide first",
        )));
        return out;
    }
    // Each ticked row: refused here with its reason, or left for the app.
    let mut results: Vec<QueueRow> = Vec::new();
    let mut pending: Vec<(usize, ValueKey)> = Vec::new();
    {
        let state = web.app.read();
        for (text, key) in ticked {
            let found = key
                .as_ref()
                .and_then(|k| waiting.iter().find(|o| o.key == *k));
            let mut row = match found {
                Some(o) => row_of(&state, &who.user, o, who.en),
                None => QueueRow {
                    key: text.clone(),
                    indicator: key
                        .as_ref()
                        .map(|k| k.to_string())
                        .unwrap_or_else(|| text.clone()),
                    place: String::new(),
                    period: String::new(),
                    component: String::new(),
                    value: String::new(),
                    reporter: String::new(),
                    at: String::new(),
                    blocked: String::new(),
                    outcome: String::new(),
                    done: false,
                },
            };
            match (key, found) {
                (None, _) => row.outcome = not_done(&say("数据标识无效", "not a figure's key")),
                (Some(_), None) => {
                    row.outcome = not_done(&say(
                        "该数据已不在待审核状态,或不在本人审核范围内",
                        "no longer waiting for review, or not yours to review",
                    ))
                }
                (Some(_), Some(o)) if o.reporter == who.user.login => {
                    row.outcome = not_done(&say(
                        "本人填报的数据不能由本人审核",
                        "nobody reviews a figure they reported",
                    ))
                }
                (Some(k), Some(_)) => pending.push((results.len(), k)),
            }
            results.push(row);
        }
    }
    let verb = match (&t, en) {
        (Transition::Approve, false) => "已通过",
        (Transition::Approve, true) => "Approved",
        (_, false) => "已退回",
        (_, true) => "Sent back",
    };
    if !pending.is_empty() {
        let keys: Vec<ValueKey> = pending.iter().map(|(_, k)| k.clone()).collect();
        match web.app.transition(&who.user.login, keys, t.clone()).await {
            Ok(_) => {
                for (i, _) in &pending {
                    results[*i].outcome = verb.into();
                    results[*i].done = true;
                }
            }
            Err(_) => {
                // One refused row refuses the batch: each on its own, to say which.
                for (i, k) in pending {
                    match web
                        .app
                        .transition(&who.user.login, vec![k], t.clone())
                        .await
                    {
                        Ok(_) => {
                            results[i].outcome = verb.into();
                            results[i].done = true;
                        }
                        Err(e) => {
                            let b = ApiError::from(e).body();
                            let mut why = b.message;
                            if !b.details.is_empty() {
                                why.push(':');
                                why.push_str(&b.details.join(";"));
                            }
                            results[i].outcome = not_done(&why);
                        }
                    }
                }
            }
        }
    }
    let done = results.iter().filter(|r| r.done).count();
    let refused = results.len() - done;
    out.notice = if en {
        format!("{verb}: {done}")
    } else {
        format!("{verb} {done} 条")
    };
    if refused > 0 {
        out.errors.push(if en {
            format!("{refused} not done; the reasons are in the results below")
        } else {
            format!("{refused} 条未处理,原因见下方处理结果")
        });
    }
    if done > 0 {
        out.reason.clear();
    }
    // A bulk decision over thousands of rows lists every refusal but only the first of
    // the rows that went through (their count is in the notice).
    let mut shown_done = 0;
    out.results = results
        .into_iter()
        .filter(|r| {
            if r.done {
                shown_done += 1;
                shown_done <= 200
            } else {
                true
            }
        })
        .collect();
    if done > 200 {
        out.notice.push_str("(结果表只列出前 200 条已处理的数据)");
    }
    out
}
