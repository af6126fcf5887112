//! Whether the reports came in: `GET /api/v1/completeness` and the page `/completeness` —
//! for each reporter and period what was due, received, on time, late and missing (the
//! office, the administrator and viewers see everybody, a reporter themselves).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_core::completeness::{DEFAULT_DUE_DAYS, Window};
use youxiang_core::scope::Role;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PageUser};
use crate::layout::{PageResult, TablePage, render};
use crate::text::parse_date;

#[derive(OpenApi)]
#[openapi(paths(completeness), components(schemas(CompletenessOut)))]
pub struct CompletenessDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/completeness", get(completeness))
        .route("/completeness", get(completeness_html))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompletenessQuery {
    /// First day of the window (`2025-01-01`); 1 January of `as_of`'s year when absent; at
    /// most six years before `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day of the window; `as_of` when absent.
    #[param(format = Date)]
    pub to: Option<String>,
    /// The day to judge by; today when absent (a demo database's own day).
    #[param(format = Date)]
    pub as_of: Option<String>,
    /// Days after a period's end by which a report is due (10).
    #[param(minimum = 0, maximum = 366)]
    pub due_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompletenessOut {
    pub reporter: String,
    pub reporter_name: String,
    pub unit: String,
    pub period: String,
    pub period_zh: String,
    pub due: String,
    pub expected: usize,
    pub received: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub pending: usize,
    /// Received ÷ expected, in percent.
    pub rate: f64,
}

/// The window of a query; `today` is the app's day (the demo's in a demo database).
pub fn completeness_window(q: &CompletenessQuery, today: NaiveDate) -> ApiResult<Window> {
    let today = match &q.as_of {
        Some(t) => parse_date(t, "as_of")?,
        None => today,
    };
    let from = match &q.from {
        Some(t) => parse_date(t, "from")?,
        None => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
    };
    let to = match &q.to {
        Some(t) => parse_date(t, "to")?,
        None => today,
    };
    // from after to is an empty window (no rows), not an error.
    let to = to.max(from.pred_opt().unwrap_or(from));
    // At most six years back from `to` (the whole plan period): older reports are not due.
    let from = from.max(
        to.checked_sub_signed(chrono::Duration::days(366 * 6))
            .unwrap_or(to),
    );
    let due_days = q.due_days.unwrap_or(DEFAULT_DUE_DAYS);
    if !(0..=366).contains(&due_days) {
        return Err(ApiError::invalid("due_days 应在 0 到 366 之间"));
    }
    Ok(Window {
        from,
        to,
        today,
        due_days,
    })
}

#[utoipa::path(get, path = "/api/v1/completeness", tag = "reporting", params(CompletenessQuery),
    responses(
        (status = 200, description = "每个填报人每期应报、已报、按时、逾期、缺报(非专班用户只看到自己的)", body = Vec<CompletenessOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn completeness(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<CompletenessQuery>,
) -> ApiResult<Json<Vec<CompletenessOut>>> {
    let window = completeness_window(&q, web.app.today())?;
    let rows = web.app.completeness(window).await?;
    let all = who.user.role.is_office() || who.user.role == Role::Viewer;
    Ok(Json(
        rows.into_iter()
            .filter(|r| all || r.reporter == who.user.login)
            .map(|r| CompletenessOut {
                // Already in percent (received ÷ expected × 100).
                rate: if r.rate().is_finite() { r.rate() } else { 0.0 },
                reporter: r.reporter,
                reporter_name: r.reporter_name,
                unit: r.unit,
                period: r.period.to_string(),
                period_zh: r.period.label_zh(),
                due: r.due.to_string(),
                expected: r.expected,
                received: r.received,
                on_time: r.on_time,
                late: r.late,
                missing: r.missing,
                pending: r.pending,
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// The page

async fn completeness_html(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<CompletenessQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/completeness");
    let window = completeness_window(&q, web.app.today()).map_err(|e| c.error(e))?;
    let rows = web.app.completeness(window).await.map_err(|e| c.error(e))?;
    let all = who.user.role.sees_all_units();
    let items = |n: usize| {
        if c.en {
            n.to_string()
        } else {
            format!("{n} 项")
        }
    };
    let rows = rows
        .into_iter()
        .filter(|r| all || r.reporter == who.user.login)
        .filter(|r| r.expected > 0)
        .take(2000)
        .map(|r| {
            (
                String::new(),
                vec![
                    (format!("{}({})", r.reporter_name, r.unit), false),
                    (crate::text::period_label(&r.period, c.en), false),
                    (r.due.to_string(), false),
                    (items(r.expected), true),
                    (items(r.on_time), true),
                    (items(r.late), true),
                    (items(r.missing), true),
                    (format!("{:.1}%", r.rate()), true),
                ],
            )
        })
        .collect();
    let head = [
        ("填报人", "Reporter"),
        ("期间", "Period"),
        ("截止日期", "Due"),
        ("应报", "Expected"),
        ("按时", "On time"),
        ("逾期", "Late"),
        ("缺报", "Missing"),
        ("完成率", "Rate"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (zh, en))| ((if c.en { *en } else { *zh }).to_string(), i >= 3))
    .collect();
    let title = c.t("completeness");
    let label = |zh: &str, en: &str| if c.en { en.to_string() } else { zh.to_string() };
    let filters = vec![
        (
            "from".into(),
            label("起始日期", "From"),
            q.from.clone().unwrap_or_default(),
        ),
        (
            "to".into(),
            label("结束日期", "To"),
            q.to.clone().unwrap_or_default(),
        ),
        (
            "as_of".into(),
            label("判断日期", "As of"),
            q.as_of.clone().unwrap_or_default(),
        ),
    ];
    Ok(render(&TablePage::listing(
        c,
        title,
        "/completeness",
        filters,
        head,
        rows,
    )))
}
