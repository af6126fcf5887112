//! 问题清单 — every red and yellow headline indicator at the district and its towns for the
//! current year, with the lead unit, the cause and measures entered, the supervision orders
//! raised about it, their worst state and nearest deadline, worst first
//! (`youxiang_app::App::problems`): `GET /api/v1/problems`, its Excel file
//! `GET /api/v1/problems.xlsx`, the page `/problems`; and the lead unit's form for the
//! cause and measures, `/problems/note` (CSRF-checked, `permission::may_write_lag_note`,
//! the errors shown beside the fields, audited by the app like every record).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::problems::{ProblemFilter, check_note, problems_xlsx};
use youxiang_app::{AppError, OrderSummary, Problem, Reader};
use youxiang_core::china_time::show_minute;
use youxiang_core::eval::Light;
use youxiang_core::period::Period;

use crate::Shared;
use crate::auth::Authed;
use crate::download::{file_response, pct};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PageUser};
use crate::layout::{Chrome, Fields, PageResult, check_form, field, render};
use crate::text::{finite, light_str, num, num_vs, parse_period, person};

#[derive(OpenApi)]
#[openapi(
    paths(api_problems, api_problems_xlsx),
    components(schemas(ProblemOut, OrderSummaryOut, ChangeOut))
)]
pub struct ProblemsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/problems", get(api_problems))
        .route("/api/v1/problems.xlsx", get(api_problems_xlsx))
        .route("/problems", get(problems_page))
        .route("/problems/note", get(note_page).post(note_post))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProblemsQuery {
    /// The place whose own items and whose direct children's are listed; the district when
    /// absent.
    pub place: Option<String>,
    /// The target year; the latest year with data when absent.
    pub year: Option<i32>,
    /// Only the indicators this unit leads (牵头单位, e.g. `区卫健局`).
    pub lead_unit: Option<String>,
}

/// The open supervision orders raised about an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSummaryOut {
    /// Open orders (every state but 审结通过).
    pub open: usize,
    /// Of those, past their deadline.
    pub overdue: usize,
    /// The worst state among them (`returned`, `assigned`, …; an overdue one first).
    pub worst: Option<String>,
    /// That state in words, `交办(已逾期)`.
    pub worst_zh: String,
    pub worst_overdue: bool,
    #[schema(value_type = Option<String>)]
    pub nearest_deadline: Option<NaiveDate>,
    /// The orders' numbers, worst first.
    pub ids: Vec<String>,
}

impl From<&OrderSummary> for OrderSummaryOut {
    fn from(s: &OrderSummary) -> Self {
        OrderSummaryOut {
            open: s.open,
            overdue: s.overdue,
            worst: s.worst.map(|w| crate::text::code_of(&w)),
            worst_zh: s.worst_zh(),
            worst_overdue: s.worst_overdue,
            nearest_deadline: s.nearest_deadline,
            ids: s.ids.clone(),
        }
    }
}

/// One red or yellow item of 问题清单.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemOut {
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub domain: String,
    pub domain_name: String,
    /// The indicator's lead unit (牵头单位).
    pub lead_unit: String,
    pub place: String,
    pub place_name: String,
    pub year: i32,
    /// The target the place is judged against, as written.
    pub target: String,
    /// The period of the figure (`2025-09`).
    pub as_of: Option<String>,
    pub as_of_zh: Option<String>,
    pub value: Option<f64>,
    /// `red` or `yellow`.
    pub light: String,
    /// 滞后 / 预警.
    pub light_zh: String,
    /// Percentage points behind the schedule.
    pub gap: Option<f64>,
    /// 原因, as the lead unit entered it (the latest note of the year); `null`: not yet.
    pub cause: Option<String>,
    /// 措施.
    pub measure: Option<String>,
    /// The period the note answers for (`2025Q3`).
    pub note_period: Option<String>,
    /// When the note was saved (UTC) and by whom.
    #[schema(value_type = Option<String>)]
    pub note_at: Option<NaiveDateTime>,
    pub note_by: Option<String>,
    /// Whether the note answers for the figure's quarter or later.
    pub note_current: bool,
    /// A red item without a current cause and measures (a task of its lead unit).
    pub awaits_note: bool,
    pub orders: OrderSummaryOut,
    /// Whether the reader may write the cause and measures (the form's address then is
    /// `/problems/note?indicator=…&place=…`).
    pub may_write: bool,
}

fn problem_out(p: &Problem, may_write: bool) -> ProblemOut {
    let note = p.note.as_ref();
    let text = |t: &str| (!t.is_empty()).then(|| t.to_string());
    ProblemOut {
        indicator: p.indicator.clone(),
        name: p.name.clone(),
        unit: p.unit.clone(),
        domain: p.domain.clone(),
        domain_name: p.domain_name.clone(),
        lead_unit: p.lead_unit.clone(),
        place: p.place.clone(),
        place_name: p.place_name.clone(),
        year: p.year,
        target: p.target.clone(),
        as_of: p.as_of.map(|a| a.to_string()),
        as_of_zh: p.as_of.map(|a| a.label_zh()),
        value: finite(p.value),
        light: light_str(p.light).into(),
        light_zh: p.light.label_zh().into(),
        gap: finite(p.gap),
        cause: note.and_then(|n| text(&n.cause)),
        measure: note.and_then(|n| text(&n.measure)),
        note_period: note.map(|n| n.period.to_string()),
        note_at: note.map(|n| n.at),
        note_by: note.map(|n| n.by.clone()),
        note_current: p.note_current,
        awaits_note: p.awaits_note(),
        orders: (&p.orders).into(),
        may_write,
    }
}

fn filter_of(q: &ProblemsQuery) -> ProblemFilter {
    let some = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    ProblemFilter {
        place: some(&q.place),
        year: q.year,
        lead_unit: some(&q.lead_unit),
    }
}

#[utoipa::path(get, path = "/api/v1/problems", tag = "status", params(ProblemsQuery),
    responses(
        (status = 200, description = "问题清单:当年红灯、黄灯指标(区级及下辖各地),含牵头单位、原因、措施、督办单状态与期限,红灯在前、落后多者在前", body = Vec<ProblemOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在,或年份不是方案目标年份", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_problems(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<ProblemsQuery>,
) -> ApiResult<Json<Vec<ProblemOut>>> {
    let login = &who.user.login;
    let list = web
        .app
        .problems(login, &filter_of(&q), web.app.today())
        .await?;
    Ok(Json(
        list.iter()
            .map(|p| {
                let may = web.app.may_write_lag_note(login, &p.indicator, &p.place);
                problem_out(p, may)
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/problems.xlsx", tag = "status", params(ProblemsQuery),
    responses(
        (status = 200, description = "问题清单 Excel(中文表头,数值带单位列)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在,或年份不是方案目标年份", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_problems_xlsx(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<ProblemsQuery>,
) -> ApiResult<Response> {
    let today = web.app.today();
    let filter = filter_of(&q);
    let list = web.app.problems(&who.user.login, &filter, today).await?;
    let (place_name, year) = {
        let state = web.app.read();
        let code = filter
            .place
            .clone()
            .unwrap_or_else(|| state.plan.place.clone());
        let name = state
            .tree
            .by_code(&code)
            .map(|p| p.name.clone())
            .unwrap_or(code);
        (name, list.first().map(|p| p.year).or(filter.year))
    };
    let title = format!(
        "{place_name}{}问题清单",
        year.map(|y| format!("{y}年")).unwrap_or_default()
    );
    let bytes = problems_xlsx(&title, &list, today)?;
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
        &format!("{title}-{today}.xlsx"),
        bytes,
    ))
}

// ---------------------------------------------------------------------------------------
// The pages

/// A text in the page's language.
fn tr(c: &Chrome, zh: &'static str, en: &'static str) -> &'static str {
    if c.en { en } else { zh }
}

/// A target as written with the unit when it names a number (`90 %`, `<5 %`, `全覆盖`).
fn target_with_unit(text: &str, unit: &str) -> String {
    let value = youxiang_core::Target::parse(text)
        .ok()
        .and_then(|t| t.value);
    crate::text::target_text(text, value, unit)
}

/// One row of the list as shown.
pub struct ProblemView {
    pub indicator: String,
    pub name: String,
    pub place: String,
    pub place_name: String,
    pub lead_unit: String,
    pub target: String,
    pub value: String,
    pub as_of: String,
    pub light: &'static str,
    pub light_text: String,
    pub gap: String,
    pub cause: String,
    pub measure: String,
    pub note_when: String,
    pub awaits: bool,
    pub orders: String,
    pub order_ids: Vec<String>,
    pub overdue: bool,
    pub deadline: String,
    pub note_link: String,
}

/// The orders of an item in words: `2件在办·交办(已逾期)`, or 未督办.
pub fn orders_text(c: &Chrome, s: &OrderSummary) -> String {
    if s.open == 0 {
        return tr(c, "未督办", "none").into();
    }
    if c.en {
        format!(
            "{} open · {}{}",
            s.open,
            s.worst.map(|w| w.label_en()).unwrap_or(""),
            if s.worst_overdue { " (overdue)" } else { "" }
        )
    } else {
        format!("{}件在办·{}", s.open, s.worst_zh())
    }
}

pub(crate) fn view(c: &Chrome, p: &Problem, may_write: bool, back: &str) -> ProblemView {
    let note = p.note.as_ref();
    let missing = tr(c, "未填报", "not entered");
    let or_missing = |t: Option<&String>| match t.filter(|t| !t.is_empty()) {
        Some(t) => t.clone(),
        None => missing.to_string(),
    };
    ProblemView {
        indicator: p.indicator.clone(),
        name: p.name.clone(),
        place: p.place.clone(),
        place_name: p.place_name.clone(),
        lead_unit: p.lead_unit.clone(),
        target: target_with_unit(&p.target, &p.unit),
        value: num_vs(p.value, &p.target, &p.unit),
        as_of: p
            .as_of
            .map(|a| crate::text::period_label(&a, c.en))
            .unwrap_or_default(),
        light: light_str(p.light),
        light_text: c.light(p.light),
        gap: match &p.lag {
            Some((_, en)) if c.en => en.clone(),
            Some((zh, _)) => zh.clone(),
            None => "—".into(),
        },
        cause: or_missing(note.map(|n| &n.cause)),
        measure: or_missing(note.map(|n| &n.measure)),
        note_when: note
            .map(|n| {
                let stale = if p.note_current {
                    ""
                } else {
                    tr(c, ",已过期", ", outdated")
                };
                format!("{}{stale}", crate::text::period_label(&n.period, c.en))
            })
            .unwrap_or_default(),
        awaits: p.awaits_note(),
        orders: orders_text(c, &p.orders),
        order_ids: p.orders.ids.clone(),
        overdue: p.orders.worst_overdue,
        deadline: p
            .orders
            .nearest_deadline
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        note_link: if may_write {
            format!(
                "/problems/note?indicator={}&place={}&back={}",
                pct(&p.indicator),
                pct(&p.place),
                pct(back)
            )
        } else {
            String::new()
        },
    }
}

#[derive(Template)]
#[template(path = "problems.html")]
struct ProblemsPage {
    c: Chrome,
    title: String,
    caption: String,
    notice: String,
    rows: Vec<ProblemView>,
    red: usize,
    yellow: usize,
    awaiting: usize,
    xlsx: String,
    units: Vec<(String, bool)>,
    place: String,
    h: Vec<&'static str>,
}

#[derive(Deserialize)]
struct PageQ {
    place: Option<String>,
    unit: Option<String>,
    year: Option<String>,
    ok: Option<String>,
}

async fn problems_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQ>,
) -> PageResult {
    let c = who.chrome(&web, "/problems");
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => Some(
            y.parse::<i32>()
                .map_err(|_| c.error(ApiError::invalid(format!("年度“{y}”不是年份(应为 2025)"))))?,
        ),
        None => None,
    };
    let query = ProblemsQuery {
        place: q.place.clone(),
        year,
        lead_unit: q.unit.clone(),
    };
    let filter = filter_of(&query);
    let login = who.user.login.clone();
    let list = web
        .app
        .problems(&login, &filter, web.app.today())
        .await
        .map_err(|e| c.error(e))?;
    let mut back = String::from("/problems");
    let mut qs = Vec::new();
    if let Some(p) = &filter.place {
        qs.push(format!("place={}", pct(p)));
    }
    if let Some(u) = &filter.lead_unit {
        qs.push(format!("lead_unit={}", pct(u)));
    }
    if let Some(y) = filter.year {
        qs.push(format!("year={y}"));
    }
    let api_q = qs.join("&");
    if !api_q.is_empty() {
        back = format!("/problems?{}", api_q.replace("lead_unit=", "unit="));
    }
    let rows: Vec<ProblemView> = list
        .iter()
        .map(|p| {
            let may = web.app.may_write_lag_note(&login, &p.indicator, &p.place);
            view(&c, p, may, &back)
        })
        .collect();
    let (place_name, units) = {
        let state = web.app.read();
        let code = filter
            .place
            .clone()
            .unwrap_or_else(|| state.plan.place.clone());
        let name = state
            .tree
            .by_code(&code)
            .map(|p| p.name.clone())
            .unwrap_or(code);
        let mut units: Vec<String> = state
            .plan
            .indicators
            .iter()
            .filter(|i| i.is_table_row())
            .map(|i| i.lead_unit.clone())
            .collect();
        units.sort();
        units.dedup();
        (name, units)
    };
    let year = list.first().map(|p| p.year).or(filter.year);
    let title = tr(&c, "问题清单", "Issues list").to_string();
    let caption = format!(
        "{place_name}{}",
        year.map(|y| if c.en {
            format!(" · {y}")
        } else {
            format!(" · {y}年")
        })
        .unwrap_or_default()
    );
    let h = if c.en {
        vec![
            "#",
            "Light",
            "Indicator",
            "Place",
            "Lead unit",
            "Target",
            "Value",
            "Gap to schedule",
            "Cause",
            "Measures",
            "Orders",
            "Nearest deadline",
            "Write",
        ]
    } else {
        vec![
            "序号",
            "灯号",
            "指标",
            "地区",
            "牵头单位",
            "目标",
            "当前值",
            "与序时进度差距",
            "原因",
            "措施",
            "督办",
            "最近期限",
            "填写",
        ]
    };
    Ok(render(&ProblemsPage {
        red: list.iter().filter(|p| p.light == Light::Red).count(),
        yellow: list.iter().filter(|p| p.light == Light::Yellow).count(),
        awaiting: list.iter().filter(|p| p.awaits_note()).count(),
        xlsx: if api_q.is_empty() {
            "/api/v1/problems.xlsx".into()
        } else {
            format!("/api/v1/problems.xlsx?{api_q}")
        },
        units: units
            .into_iter()
            .map(|u| {
                let sel = filter.lead_unit.as_deref() == Some(u.as_str());
                (u, sel)
            })
            .collect(),
        place: filter.place.clone().unwrap_or_default(),
        notice: q.ok.unwrap_or_default(),
        rows,
        title,
        caption,
        h,
        c,
    }))
}

// ---------------------------------------------------------------------------------------
// The cause-and-measures form

#[derive(Template)]
#[template(path = "problem_note.html")]
struct NotePage {
    c: Chrome,
    title: String,
    indicator: String,
    place: String,
    back: String,
    facts: Vec<(&'static str, String)>,
    light: &'static str,
    light_text: String,
    orders: String,
    order_ids: Vec<String>,
    period: String,
    cause: String,
    measure: String,
    /// Errors not tied to one field.
    errors: Vec<String>,
    period_error: String,
    cause_error: String,
    measure_error: String,
    saved: String,
    max: usize,
    l: Vec<&'static str>,
}

#[derive(Deserialize)]
struct NoteQ {
    indicator: Option<String>,
    place: Option<String>,
    back: Option<String>,
}

/// Only a path of this site to go back to (never another site).
fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b.into(),
        _ => "/problems".into(),
    }
}

/// What the form shows besides its fields, and what it is prefilled with.
struct NoteFacts {
    title: String,
    facts: Vec<(&'static str, String)>,
    light: Light,
    orders: OrderSummary,
    period: Option<Period>,
    cause: String,
    measure: String,
    saved: String,
}

/// The item's figure, light, pace, orders and current note, as `who` sees them.
async fn note_facts(
    web: &Shared,
    who: &PageUser,
    c: &Chrome,
    indicator: &str,
    place: &str,
) -> Result<NoteFacts, ApiError> {
    let today = web.app.today();
    let login = &who.user.login;
    let orders = web.app.orders_by_subject(login, today).await?;
    let (ind, place_name, year, row, pace) = {
        let state = web.app.read();
        let ind = state
            .plan
            .indicator(indicator)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("指标“{indicator}”")))?;
        let place_name = state
            .tree
            .by_code(place)
            .map(|p| p.name.clone())
            .ok_or_else(|| ApiError::NotFound(format!("地点“{place}”")))?;
        let reader = Reader::Person(&who.user);
        let rows = youxiang_app::status_rows(
            &state,
            reader,
            &youxiang_app::StatusFilter {
                place: Some(place.to_string()),
                all: true,
                ..Default::default()
            },
        )
        .map_err(ApiError::invalid)?;
        let row = rows.into_iter().find(|r| r.indicator == indicator);
        let year = row
            .as_ref()
            .map(|r| r.year)
            .unwrap_or_else(|| state.plan.final_year());
        let pace = row
            .as_ref()
            .and_then(|r| r.as_of)
            .and_then(|p| {
                state
                    .view_for(reader, place, indicator)
                    .explain(indicator, place, p)
            })
            .map(|e| {
                let f = match e.forecast.value {
                    Some(v) => format!(
                        "{}{}年预计 {};",
                        tr(c, "按当前增速,", "At the current pace, "),
                        e.forecast.year,
                        num(Some(v), &ind.unit)
                    ),
                    None => String::new(),
                };
                format!("{f}{}", e.pace.sentence)
            })
            .unwrap_or_default();
        (ind, place_name, year, row, pace)
    };
    let notes = web.app.latest_notes(Some(year)).await?;
    let note = notes.get(&(indicator.to_string(), place.to_string()));
    let mut facts = vec![
        (tr(c, "牵头单位", "Lead unit"), ind.lead_unit.clone()),
        (tr(c, "地区", "Place"), place_name.clone()),
    ];
    let mut light = Light::Grey;
    let mut as_of = None;
    if let Some(r) = &row {
        light = r.light;
        as_of = r.as_of;
        facts.push((
            tr(c, "目标", "Target"),
            target_with_unit(&r.target, &ind.unit),
        ));
        facts.push((
            tr(c, "当前值", "Value"),
            format!(
                "{}{}",
                num_vs(r.value, &r.target, &ind.unit),
                r.as_of
                    .map(|p| format!("({})", crate::text::period_label(&p, c.en)))
                    .unwrap_or_default()
            ),
        ));
        if let Some((zh, en)) = r.lag_words() {
            facts.push((tr(c, "差距", "Gap"), if c.en { en } else { zh }));
        }
    }
    if !pace.is_empty() {
        facts.push((tr(c, "所需增速", "Pace needed"), pace));
    }
    let period = youxiang_app::problems::note_period(as_of, year, today);
    Ok(NoteFacts {
        title: format!("{} {} · {place_name}", ind.code, ind.name),
        facts,
        light,
        orders: youxiang_app::problems::summarize(
            orders
                .get(&(indicator.to_string(), place.to_string()))
                .into_iter()
                .flatten(),
            today,
        ),
        period,
        cause: note.map(|n| n.cause.clone()).unwrap_or_default(),
        measure: note.map(|n| n.measure.clone()).unwrap_or_default(),
        saved: note
            .map(|n| {
                format!(
                    "{}{}{} · {} · {}",
                    tr(c, "上次填报:", "Last saved: "),
                    show_minute(n.at),
                    tr(c, "(北京时间)", " (Beijing time)"),
                    person(&web.app.read(), &n.by, c.en),
                    crate::text::period_label(&n.period, c.en)
                )
            })
            .unwrap_or_default(),
    })
}

fn note_labels(c: &Chrome) -> Vec<&'static str> {
    if c.en {
        vec![
            "Cause and measures",
            "Period answered for",
            "Cause",
            "Measures",
            "Save",
            "Not saved: please correct the marked fields",
            "Orders",
            "e.g. 2025Q3 or 2025-09",
            "characters at most",
            "Back",
        ]
    } else {
        vec![
            "填写原因和措施",
            "所答期间",
            "原因",
            "措施",
            "保存",
            "未保存:请修改标出的内容",
            "督办",
            "如 2025Q3 或 2025-09",
            "字以内",
            "返回",
        ]
    }
}

/// The form: prefilled from the item, or as sent with its errors.
struct Entered {
    period: String,
    cause: String,
    measure: String,
    errors: Vec<String>,
    field_errors: Vec<(&'static str, String)>,
}

fn note_form(
    c: Chrome,
    indicator: &str,
    place: &str,
    back: &str,
    f: NoteFacts,
    e: Option<Entered>,
) -> NotePage {
    let err = |e: &Option<Entered>, k: &str| {
        e.as_ref()
            .map(|e| {
                e.field_errors
                    .iter()
                    .filter(|(f, _)| *f == k)
                    .map(|(_, m)| m.clone())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default()
    };
    let period_error = err(&e, "period");
    let cause_error = err(&e, "cause");
    let measure_error = err(&e, "measure");
    let (period, cause, measure, errors) = match e {
        Some(e) => (e.period, e.cause, e.measure, e.errors),
        None => (
            f.period.map(|p| p.to_string()).unwrap_or_default(),
            f.cause,
            f.measure,
            Vec::new(),
        ),
    };
    NotePage {
        title: f.title,
        indicator: indicator.to_string(),
        place: place.to_string(),
        back: back.to_string(),
        facts: f.facts,
        light: light_str(f.light),
        light_text: c.light(f.light),
        orders: orders_text(&c, &f.orders),
        order_ids: f.orders.ids,
        period,
        cause,
        measure,
        errors,
        period_error,
        cause_error,
        measure_error,
        saved: f.saved,
        max: youxiang_app::problems::NOTE_MAX_CHARS,
        l: note_labels(&c),
        c,
    }
}

/// Refuses a user who may not write the item's note (the 403 page), before any form.
#[allow(clippy::result_large_err)]
fn require_writer(
    web: &Shared,
    who: &PageUser,
    c: &Chrome,
    indicator: &str,
    place: &str,
) -> Result<(), Response> {
    {
        let state = web.app.read();
        if state.plan.indicator(indicator).is_none() {
            return Err(c.error(ApiError::NotFound(format!("指标“{indicator}”"))));
        }
        if state.tree.id(place).is_none() {
            return Err(c.error(ApiError::NotFound(format!("地点“{place}”"))));
        }
    }
    if web
        .app
        .may_write_lag_note(&who.user.login, indicator, place)
    {
        return Ok(());
    }
    let lead = web
        .app
        .read()
        .plan
        .indicator(indicator)
        .map(|i| i.lead_unit.clone())
        .unwrap_or_default();
    Err(c.error(ApiError::Forbidden(vec![format!(
        "{}({})无权填写 {indicator} 在 {place} 的原因和措施:限牵头单位“{lead}”或工作专班",
        who.user.name,
        who.user.role.label_zh()
    )])))
}

async fn note_page(State(web): State<Shared>, who: PageUser, Query(q): Query<NoteQ>) -> PageResult {
    let c = who.chrome(&web, "/problems/note");
    let indicator = q.indicator.as_deref().unwrap_or("").trim().to_string();
    let place = match q.place.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => p.to_string(),
        None => web.app.read().plan.place.clone(),
    };
    require_writer(&web, &who, &c, &indicator, &place)?;
    let facts = note_facts(&web, &who, &c, &indicator, &place)
        .await
        .map_err(|e| c.error(e))?;
    let back = safe_back(q.back.as_deref());
    Ok(render(&note_form(
        c, &indicator, &place, &back, facts, None,
    )))
}

async fn note_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, "/problems/note");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").to_string();
    let indicator = get("indicator").trim().to_string();
    let place = get("place").trim().to_string();
    let back = safe_back(field(&form, "back"));
    require_writer(&web, &who, &c, &indicator, &place)?;
    let (period_text, cause, measure) = (
        get("period").trim().to_string(),
        get("cause"),
        get("measure"),
    );
    let mut field_errors = Vec::new();
    let period = match parse_period(&period_text) {
        Ok(p) => Some(p),
        Err(e) => {
            field_errors.push(("period", e.body().message));
            None
        }
    };
    if let Some(p) = period {
        field_errors.extend(check_note(p, &cause, &measure));
    } else if cause.trim().is_empty() && measure.trim().is_empty() {
        field_errors.push(("cause", "原因和措施至少填写一项".into()));
    }
    let mut errors = Vec::new();
    if let (Some(p), true) = (period, field_errors.is_empty()) {
        match web
            .app
            .save_lag_note(&who.user.login, &indicator, &place, p, &cause, &measure)
            .await
        {
            Ok(_) => {
                let msg = format!("已保存 {indicator} 的原因和措施");
                let sep = if back.contains('?') { '&' } else { '?' };
                return Ok(
                    axum::response::Redirect::to(&format!("{back}{sep}ok={}", pct(&msg)))
                        .into_response(),
                );
            }
            Err(AppError::Invalid(list)) => errors = list,
            Err(e) => return Err(c.error(e)),
        }
    }
    let facts = note_facts(&web, &who, &c, &indicator, &place)
        .await
        .map_err(|e| c.error(e))?;
    let entered = Entered {
        period: period_text,
        cause,
        measure,
        errors,
        field_errors,
    };
    let mut resp = render(&note_form(
        c,
        &indicator,
        &place,
        &back,
        facts,
        Some(entered),
    ));
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// What is being done, for the overview

/// The open orders and the latest notes a reader may see, read once per overview page.
pub struct Doing {
    orders: std::collections::HashMap<(String, String), Vec<youxiang_core::manage::Order>>,
    notes: std::collections::HashMap<(String, String), youxiang_app::LagNote>,
    today: NaiveDate,
    login: String,
}

/// Reads what the overview shows of the orders and the notes for `who`.
pub async fn doing_for(web: &Shared, who: &PageUser) -> Result<Doing, ApiError> {
    let today = web.app.today();
    Ok(Doing {
        orders: web.app.orders_by_subject(&who.user.login, today).await?,
        notes: web.app.latest_notes(None).await?,
        today,
        login: who.user.login.clone(),
    })
}

impl Doing {
    /// The open orders about any of `indicators` at `place` or a place below it.
    pub fn orders_under(
        &self,
        state: &youxiang_app::State,
        indicators: &[&str],
        place: &str,
    ) -> OrderSummary {
        let Some(top) = state.tree.id(place) else {
            return OrderSummary::default();
        };
        let below = |p: &str| {
            state
                .tree
                .id(p)
                .is_some_and(|id| state.tree.ancestors(id).any(|a| a == top))
        };
        youxiang_app::problems::summarize(
            self.orders
                .iter()
                .filter(|((i, p), _)| indicators.contains(&i.as_str()) && below(p))
                .flat_map(|(_, v)| v),
            self.today,
        )
    }

    /// The latest note of `indicator` at `place` in `year`.
    pub fn note(&self, indicator: &str, place: &str, year: i32) -> Option<&youxiang_app::LagNote> {
        self.notes
            .get(&(indicator.to_string(), place.to_string()))
            .filter(|n| n.period.year() == year)
    }

    /// The row's "what is being done" in words, for the overview.
    pub fn row(
        &self,
        c: &Chrome,
        state: &youxiang_app::State,
        indicator: &str,
        place: &str,
        year: i32,
        light: Light,
    ) -> DoingView {
        let s = self.orders_under(state, &[indicator], place);
        let lagging = matches!(light, Light::Red | Light::Yellow);
        let note = self.note(indicator, place, year);
        let text = |t: &str| (!t.is_empty()).then(|| t.to_string());
        DoingView {
            orders: if s.open == 0 {
                String::new()
            } else {
                orders_text(c, &s)
            },
            overdue: s.worst_overdue,
            deadline: s
                .nearest_deadline
                .map(|d| d.to_string())
                .unwrap_or_default(),
            cause: if lagging {
                note.and_then(|n| text(&n.cause)).unwrap_or_default()
            } else {
                String::new()
            },
            measure: if lagging {
                note.and_then(|n| text(&n.measure)).unwrap_or_default()
            } else {
                String::new()
            },
            missing: lagging && note.is_none_or(|n| n.cause.is_empty() || n.measure.is_empty()),
            link: if lagging
                && youxiang_app::problems::may_write_note_in(state, &self.login, indicator, place)
            {
                format!(
                    "/problems/note?indicator={}&place={}&back={}",
                    pct(indicator),
                    pct(place),
                    pct(&format!("/indicator/{indicator}?place={place}"))
                )
            } else {
                String::new()
            },
        }
    }
}

/// What is being done about one row of the overview.
#[derive(Default)]
pub struct DoingView {
    /// `2件在办·交办(已逾期)`, empty without an open order.
    pub orders: String,
    pub overdue: bool,
    /// The nearest deadline of the open orders.
    pub deadline: String,
    pub cause: String,
    pub measure: String,
    /// A lagging row without cause and measures.
    pub missing: bool,
    /// The form, when the reader may write it.
    pub link: String,
}

// ---------------------------------------------------------------------------------------
// 同比 and 环比 of a key figure

/// A figure against an earlier one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeOut {
    /// The earlier period (`2024-09`).
    pub against: String,
    pub against_value: f64,
    /// The later figure minus the earlier, in the indicator's unit (percentage points for
    /// a rate).
    pub delta: f64,
    /// The change in percent of the earlier figure; `null` for a rate or an earlier 0.
    pub percent: Option<f64>,
    /// "同比增长3.2%", "环比提高1.5个百分点".
    pub sentence: String,
}

/// The same period a year before (`2025-06` → `2024-06`, `2025Q2` → `2024Q2`).
fn year_before(p: Period) -> Option<Period> {
    use youxiang_core::period::PeriodKind;
    let y = p.year() - 1;
    match p.kind() {
        PeriodKind::Year => Period::year_of(y).ok(),
        PeriodKind::Half => Period::half(y, p.index()).ok(),
        PeriodKind::Quarter => Period::quarter(y, p.index()).ok(),
        PeriodKind::Month => Period::month(y, p.index()).ok(),
        PeriodKind::Week => Period::week(y, p.index()).ok(),
    }
}

/// 同比 and 环比 of the figure of `at` among `figures`, where the earlier figure exists: a
/// yearly figure has only 同比 (its previous period is the year before).
pub fn changes(
    figures: &[(Period, f64)],
    at: Option<Period>,
    unit: &str,
) -> (Option<ChangeOut>, Option<ChangeOut>) {
    let Some(at) = at else {
        return (None, None);
    };
    let value_of = |p: Period| figures.iter().find(|(q, _)| *q == p).map(|(_, v)| *v);
    let Some(now) = value_of(at) else {
        return (None, None);
    };
    let against = |label: &str, p: Option<Period>| {
        let p = p?;
        let before = value_of(p)?;
        let c = youxiang_core::eval::change(label, now, before, unit)?;
        Some(ChangeOut {
            against: p.to_string(),
            against_value: before,
            delta: c.delta,
            percent: c.percent.filter(|x| x.is_finite()),
            sentence: c.sentence,
        })
    };
    let yoy = against("同比", year_before(at));
    let pop = if at.kind() == youxiang_core::period::PeriodKind::Year {
        None
    } else {
        against("环比", at.pred())
    };
    (yoy, pop)
}

/// The explanation's lines about where the figure is heading: 同比 and 环比, the forecast
/// and beside it the pace still required (the indicator page).
pub fn outlook_lines(
    e: &youxiang_app::Explained,
    series: &[(Period, f64)],
    unit: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    let (yoy, pop) = changes(series, Some(e.period), unit);
    let moved: Vec<String> = [yoy, pop]
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{}(对比{} {})",
                c.sentence,
                c.against
                    .parse::<Period>()
                    .map(|p| p.label_zh())
                    .unwrap_or(c.against),
                num(Some(c.against_value), unit)
            )
        })
        .collect();
    if !moved.is_empty() {
        lines.push(moved.join(";"));
    }
    let forecast = match e.forecast.value {
        Some(v) => format!(
            "预测{}年为 {}({});",
            e.forecast.year,
            num(Some(v), unit),
            e.forecast.method.label_zh()
        ),
        None => String::new(),
    };
    lines.push(format!("{forecast}{}", e.pace.sentence));
    lines
}
