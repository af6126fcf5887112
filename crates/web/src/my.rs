//! 我的任务 `/my`: what is waiting for the signed-in user — forms due, the unit's open
//! supervision orders, the red items of the indicators it leads still without a cause and
//! measures, unread notices and this week's plan.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use youxiang_app::OrderFilter;
use youxiang_core::china_time::show_minute;
use youxiang_core::manage::{IsoWeek, Order};

use crate::Shared;
use crate::extract::PageUser;
use crate::inbox::{NoticeView, notice_views};
use crate::layout::{Chrome, L, PageResult, render};
use crate::orders::pages::{OrderRow, order_row};

pub fn routes() -> Router<Shared> {
    Router::new().route("/my", get(my_page))
}

#[derive(Template)]
#[template(path = "manage_my.html")]
struct MyPage {
    c: Chrome,
    l: L,
    title: String,
    unit: String,
    forms: Vec<Vec<String>>,
    orders: Vec<OrderRow>,
    notices: Vec<NoticeView>,
    week: String,
    week_zh: String,
    week_status: String,
    week_filed: bool,
    reporter: bool,
    /// The unit's red items still without a cause and measures (it leads the indicator).
    notes_due: Vec<crate::problems::ProblemView>,
    /// What the form that led back here did.
    notice: String,
}

async fn my_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/my");
    let day = web.app.today();
    let login = who.user.login.clone();
    let unit = who.user.unit.clone();
    // Forms due: this user's periods with reports missing or pending, the last 120 days.
    let window = youxiang_core::completeness::Window {
        from: day - chrono::Duration::days(120),
        to: day,
        today: day,
        due_days: youxiang_core::completeness::DEFAULT_DUE_DAYS,
    };
    let rows = web.app.completeness(window).await.map_err(|e| c.error(e))?;
    let mut forms: Vec<_> = rows
        .into_iter()
        .filter(|r| r.reporter == login && (r.missing + r.pending) > 0)
        .collect();
    forms.sort_by_key(|r| r.due);
    let forms = forms
        .iter()
        .take(30)
        .map(|r| {
            let items = |n: usize| {
                if c.en {
                    n.to_string()
                } else {
                    format!("{n} 项")
                }
            };
            vec![
                crate::text::period_label(&r.period, c.en),
                r.due.to_string(),
                items(r.expected),
                items(r.received),
                items(r.missing),
                items(r.pending),
                format!("/entry?period={}", r.period),
            ]
        })
        .collect();
    let orders = web
        .app
        .orders(
            &login,
            &OrderFilter {
                unit: Some(unit.clone()),
                ..OrderFilter::default()
            },
            day,
        )
        .await
        .map_err(|e| c.error(e))?;
    let mut orders: Vec<&Order> = orders
        .iter()
        .map(|o| &o.item)
        .filter(|o| o.state.is_open())
        .collect();
    orders.sort_by_key(|o| o.deadline);
    let orders = orders.iter().map(|o| order_row(o, day, c.en)).collect();
    let inbox = web.app.inbox(&login).await.map_err(|e| c.error(e))?;
    let unread: Vec<_> = inbox.into_iter().filter(|n| n.read_at.is_none()).collect();
    let week = IsoWeek::from_date(day);
    let plan = web
        .app
        .weekly_plan(&unit, week)
        .await
        .map_err(|e| c.error(e))?;
    let (week_status, week_filed) = match plan {
        Some(p) => (
            if c.en {
                format!(
                    "filed {} ({} items)",
                    show_minute(p.filed_at),
                    p.items.len()
                )
            } else {
                format!("已报送 {}({} 项)", show_minute(p.filed_at), p.items.len())
            },
            true,
        ),
        None => (if c.en { "not filed" } else { "未报送" }.to_string(), false),
    };
    // Red items of the indicators the unit leads or takes part in (a partner unit named by
    // the plan), waiting for the lead unit's cause and measures.
    let notes_due = if who.user.role.is_unit_reporter() {
        let filter = youxiang_app::ProblemFilter::default();
        let problems = web
            .app
            .problems(&login, &filter, web.app.today())
            .await
            .map_err(|e| c.error(e))?;
        let plan = web.app.read().plan.clone();
        let party = |indicator: &str| {
            plan.indicator(indicator).is_some_and(|i| {
                youxiang_core::permission::is_party(&unit, &i.lead_unit, &i.partner_units)
            })
        };
        problems
            .iter()
            .filter(|p| p.awaits_note() && party(&p.indicator))
            .map(|p| {
                let may = web.app.may_write_lag_note(&login, &p.indicator, &p.place);
                crate::problems::view(&c, p, may, "/my")
            })
            .collect()
    } else {
        Vec::new()
    };
    let l = c.labels();
    Ok(render(&MyPage {
        notice: q.get("ok").cloned().unwrap_or_default(),
        notes_due,
        title: l.t("my").into(),
        unit,
        forms,
        orders,
        notices: notice_views(&unread),
        week: week.to_string(),
        week_zh: if c.en {
            week.label_en()
        } else {
            week.label_zh()
        },
        week_status,
        week_filed,
        reporter: who.user.role.can_report() && !who.user.role.is_office(),
        l,
        c,
    }))
}
