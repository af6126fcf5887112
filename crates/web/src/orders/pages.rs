//! The pages of the orders: `/orders` (the list with its filter, the statistics, the
//! office's form to raise one) and `/orders/{id}` (the timeline, extensions, the closing
//! review and the forms of the actions the reader may take).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use youxiang_core::china_time::show_minute;
use youxiang_core::manage::RankBy;
use youxiang_core::manage::{
    ActionKind, Order, OrderAction, OrderState, ReviewCheck, ReviewChecklist,
};

use super::{RaiseIn, order_filter, raise};
use crate::Shared;
use crate::error::{ApiError, ApiResult};
use crate::extract::PageUser;
use crate::layout::{Chrome, Fields, L, PageResult, back_to, check_form, field, render};
use crate::text::{code_of, parse_code, parse_date, pctf, person};

pub(super) fn routes() -> axum::Router<Shared> {
    Router::new()
        .route("/orders", get(orders_page).post(order_raise_post))
        .route("/orders/{id}", get(order_page))
        .route("/orders/{id}/action", post(order_action_post))
}

pub(crate) struct OrderRow {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) lead: String,
    pub(crate) state: String,
    pub(crate) deadline: String,
    pub(crate) class: String,
    pub(crate) flag: String,
}

/// An order as a row of a list, in the page's language.
pub(crate) fn order_row(o: &Order, day: NaiveDate, en: bool) -> OrderRow {
    let left = (o.deadline - day).num_days().max(0);
    let (class, flag) = if o.state.is_open() && o.is_overdue(day) {
        let days = o.days_overdue(day);
        (
            "overdue",
            if en {
                format!("■ {days} day(s) overdue")
            } else {
                format!("■ 逾期 {days} 天")
            },
        )
    } else if o.state.is_open() && (o.deadline - day).num_days() <= 3 {
        (
            "soon",
            if en {
                format!("▲ due within {left} day(s)")
            } else {
                format!("▲ {left} 天内到期")
            },
        )
    } else {
        ("", String::new())
    };
    OrderRow {
        id: o.id.clone(),
        title: o.title.clone(),
        lead: o.lead_unit.clone(),
        state: if en {
            o.state.label_en()
        } else {
            o.state.label_zh()
        }
        .into(),
        deadline: o.deadline.to_string(),
        class: class.into(),
        flag,
    }
}

#[derive(Template)]
#[template(path = "manage_orders.html")]
struct OrdersPage {
    c: Chrome,
    l: L,
    title: String,
    rows: Vec<OrderRow>,
    stats: Vec<Vec<String>>,
    states: Vec<(String, String)>,
    f_unit: String,
    f_state: String,
    f_overdue: bool,
    office: bool,
    units: Vec<String>,
    notice: String,
    default_deadline: String,
}

async fn orders_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/orders");
    let f_unit = q.get("unit").cloned().unwrap_or_default();
    let f_state = q.get("state").cloned().unwrap_or_default();
    let f_overdue = q
        .get("overdue")
        .is_some_and(|v| v == "1" || v == "true" || v == "on");
    let filter = order_filter(Some(&f_unit), Some(&f_state), f_overdue).map_err(|e| c.error(e))?;
    let day = web.app.today();
    let list = web
        .app
        .orders(&who.user.login, &filter, day)
        .await
        .map_err(|e| c.error(e))?;
    let pieces = |n: usize| {
        if c.en {
            n.to_string()
        } else {
            format!("{n} 件")
        }
    };
    let stats = web
        .app
        .order_stats(day)
        .await
        .map_err(|e| c.error(e))?
        .iter()
        .map(|s| {
            vec![
                if c.en && s.unit == youxiang_core::manage::supervise::TOTAL_ROW {
                    "Total".to_string()
                } else {
                    s.unit.clone()
                },
                pieces(s.raised),
                pieces(s.closed),
                pieces(s.open),
                pieces(s.overdue),
                pctf(s.closure_rate),
                pctf(s.overdue_rate),
            ]
        })
        .collect();
    let mut units = web.app.departments();
    units.extend(web.app.rank_units(RankBy::Town).into_iter().map(|(n, _)| n));
    let l = c.labels();
    Ok(render(&OrdersPage {
        title: l.t("orders").into(),
        rows: list.iter().map(|o| order_row(&o.item, day, c.en)).collect(),
        stats,
        states: OrderState::ALL
            .iter()
            .map(|s| {
                let label = if c.en { s.label_en() } else { s.label_zh() };
                (code_of(s), label.to_string())
            })
            .collect(),
        f_unit,
        f_state,
        f_overdue,
        office: who.user.role.is_office(),
        units,
        notice: q.get("ok").cloned().unwrap_or_default(),
        default_deadline: (day + chrono::Duration::days(15)).to_string(),
        l,
        c,
    }))
}

async fn order_raise_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    check_form(&who.chrome(&web, "/orders"), &who, &form)?;
    let c = who.chrome(&web, "/orders");
    let b = RaiseIn {
        title: field(&form, "title").unwrap_or_default().into(),
        body: field(&form, "body").unwrap_or_default().into(),
        lead_unit: field(&form, "lead_unit").unwrap_or_default().into(),
        partner_units: field(&form, "partner_units")
            .unwrap_or_default()
            .split([',', ',', '、', '\n'])
            .map(String::from)
            .collect(),
        deadline: field(&form, "deadline").unwrap_or_default().into(),
        assign: Some(field(&form, "assign").is_some()),
    };
    let o = raise(&web, &who, &b).await.map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/orders/{}", o.item.id),
        &format!("已立项 {}", o.item.id),
    ))
}

struct EventView {
    at: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    note: String,
}

#[derive(Template)]
#[template(path = "manage_order.html")]
struct OrderPage {
    c: Chrome,
    l: L,
    title: String,
    id: String,
    version: i64,
    state: String,
    source: String,
    lead: String,
    partners: String,
    deadline: String,
    flag: String,
    flag_class: String,
    body: String,
    created: String,
    events: Vec<EventView>,
    extensions: Vec<Vec<String>>,
    actions: Vec<(String, String)>,
    checks: Vec<(String, String, bool)>,
    checklist_done: Vec<(String, bool)>,
    closed: bool,
    notice: String,
    min_date: String,
}

async fn order_page(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, &format!("/orders/{id}"));
    let v = web
        .app
        .order(&who.user.login, &id)
        .await
        .map_err(|e| c.error(e))?;
    let day = web.app.today();
    let o = &v.item;
    let row = order_row(o, day, c.en);
    let state = web.app.read();
    let events = o
        .events
        .iter()
        .map(|e| EventView {
            at: show_minute(e.at),
            actor: person(&state, &e.actor, c.en),
            action: if c.en {
                e.action.label_en()
            } else {
                e.action.label_zh()
            }
            .into(),
            from: if c.en {
                e.from.label_en()
            } else {
                e.from.label_zh()
            }
            .into(),
            to: if c.en {
                e.to.label_en()
            } else {
                e.to.label_zh()
            }
            .into(),
            note: e.note.clone(),
        })
        .collect();
    let extensions = o
        .extensions
        .iter()
        .map(|x| {
            vec![
                x.asked_at.format("%Y-%m-%d").to_string(),
                x.old_deadline.to_string(),
                x.new_deadline.to_string(),
                x.reason.clone(),
                match (x.approved, c.en) {
                    (None, false) => "待审批".into(),
                    (Some(true), false) => "已批准".into(),
                    (Some(false), false) => "不予延期".into(),
                    (None, true) => "awaiting a decision".into(),
                    (Some(true), true) => "approved".into(),
                    (Some(false), true) => "refused".into(),
                },
            ]
        })
        .collect();
    let actions = youxiang_core::permission::offered_order_actions(&who.user, o, day)
        .iter()
        .map(|k| {
            (
                code_of(k),
                if c.en { k.label_en() } else { k.label_zh() }.to_string(),
            )
        })
        .collect();
    let checks = ReviewCheck::ALL
        .iter()
        .map(|k| {
            let label = if c.en { k.label_en() } else { k.label_zh() };
            (code_of(k), label.to_string(), o.checklist.get(*k))
        })
        .collect();
    let checklist_done = o
        .checklist
        .items()
        .iter()
        .map(|(k, v)| {
            let label = if c.en { k.label_en() } else { k.label_zh() };
            (label.to_string(), *v)
        })
        .collect();
    let l = c.labels();
    let page = OrderPage {
        title: if c.en {
            format!("Supervision order {}", o.id)
        } else {
            format!("督办单 {}", o.id)
        },
        id: o.id.clone(),
        version: v.version,
        state: o.state.label_zh().into(),
        source: o.source.label_zh(),
        lead: o.lead_unit.clone(),
        partners: if o.partner_units.is_empty() {
            "—".into()
        } else {
            o.partner_units.join("、")
        },
        deadline: o.deadline.to_string(),
        flag: row.flag,
        flag_class: row.class,
        body: format!("{}\n{}", o.title, o.body),
        created: format!(
            "{}({})",
            show_minute(o.created_at),
            person(&state, &o.created_by, c.en)
        ),
        events,
        extensions,
        actions,
        checks,
        checklist_done,
        closed: o.state == OrderState::Closed,
        notice: q.get("ok").cloned().unwrap_or_default(),
        min_date: (o.deadline + chrono::Duration::days(1)).to_string(),
        l,
        c,
    };
    drop(state);
    Ok(render(&page))
}

/// The action a form asks for, with its data.
fn action_of(form: &Fields) -> ApiResult<OrderAction> {
    let kind = field(form, "action").unwrap_or_default();
    let text = |k: &str| field(form, k).unwrap_or_default().trim().to_string();
    Ok(match parse_code::<ActionKind>(kind) {
        Some(ActionKind::Assign) => OrderAction::Assign,
        Some(ActionKind::Accept) => OrderAction::Accept,
        Some(ActionKind::RequestExtension) => OrderAction::RequestExtension {
            new_deadline: parse_date(&text("new_deadline"), "新期限")?,
            reason: text("reason"),
        },
        Some(ActionKind::DecideExtension) => OrderAction::DecideExtension {
            approve: field(form, "approve") == Some("true"),
        },
        Some(ActionKind::Feedback) => OrderAction::Feedback { text: text("text") },
        Some(ActionKind::Approve) => {
            let mut checklist = ReviewChecklist::default();
            for (n, v) in form {
                if n == "check"
                    && let Some(k) = parse_code::<ReviewCheck>(v)
                {
                    checklist.set(k, true);
                }
            }
            OrderAction::Approve { checklist }
        }
        Some(ActionKind::Return) => OrderAction::Return {
            reason: text("reason"),
        },
        None => return Err(ApiError::invalid(format!("操作“{kind}”无效"))),
    })
}

async fn order_action_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let path = format!("/orders/{id}");
    check_form(&who.chrome(&web, &path), &who, &form)?;
    let c = who.chrome(&web, &path);
    let action = action_of(&form).map_err(|e| c.error(e))?;
    let label = action.label_zh();
    let version: i64 = field(&form, "version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let o = web
        .app
        .act_on_order(&who.user.login, &id, action, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &path,
        &format!("已{label},当前状态:{}", o.item.state.label_zh()),
    ))
}
