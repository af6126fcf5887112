//! The figures: `GET /api/v1/values` (raw values within the user's scope, in pages),
//! `POST /api/v1/values` (written all or nothing through the app's one write path), and the
//! data-entry form `/entry` (a reporter's places and indicators, the current figures
//! shown, every field checked and marked).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::{Reader, State as AppState, StatusFilter, WriteReport};
use youxiang_app::{ValueFilter, ValueWrite};
use youxiang_core::completeness::required_components;
use youxiang_core::eval::Light;
use youxiang_core::period::Period;
use youxiang_core::plan::Aggregation;
use youxiang_core::scope::Reporter;
use youxiang_core::value::{Component, ValueKey, ValueState};

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody, FileProblem};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, check_form, field, render};
use crate::status::PeriodQ;
use crate::text::{light_str, parse_period};

#[derive(OpenApi)]
#[openapi(
    paths(get_values, post_values),
    components(schemas(ValueOut, ValueIn, KeyIn, WriteOut))
)]
pub struct ValuesDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/values", get(get_values).post(post_values))
        .route("/entry", get(entry).post(entry_post))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuesQuery {
    pub indicator: Option<String>,
    pub place: Option<String>,
    #[param(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: Option<String>,
    /// `draft`, `submitted`, `approved`.
    #[param(pattern = "^(draft|submitted|approved)$")]
    pub state: Option<String>,
    /// At most this many rows (1,000; at most 10,000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
    /// The next page: the `X-Next-After` header of the previous answer
    /// (`indicator|place|period|component`); rows come in that key order.
    #[param(
        pattern = r"^([^|]+\|[^|]+\|[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?\|(value|numerator|denominator))?$"
    )]
    pub after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValueOut {
    pub indicator: String,
    pub place: String,
    pub period: String,
    /// `value`, `numerator`, `denominator`.
    pub component: String,
    pub value: f64,
    /// `draft`, `submitted`, `approved`.
    pub state: String,
    pub state_zh: String,
    pub reporter: String,
    pub reported_at: String,
    pub comment: String,
    /// Where the figure comes from (数据来源); empty when it names none.
    pub source: String,
}

#[utoipa::path(get, path = "/api/v1/values", tag = "values", params(ValuesQuery),
    responses(
        (status = 200, description = "已报数据(仅本人范围内的地点和指标),按 指标、地点、期间、分项 排序;还有下一页时带 X-Next-After 头(作为下一次的 after 参数)", body = Vec<ValueOut>,
            headers(("X-Next-After" = String, description = "下一页的 after 参数;没有下一页时不出现"))),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "所问地点或指标不在本人范围内", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn get_values(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<ValuesQuery>,
) -> ApiResult<Response> {
    let state_filter = match q.state.as_deref() {
        None => None,
        Some(s) => Some(ValueState::parse(s).ok_or_else(|| {
            ApiError::invalid(format!("状态“{s}”无效(draft/submitted/approved)"))
        })?),
    };
    let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => Some(cursor_key(a).ok_or_else(|| {
            ApiError::invalid(format!(
                "after“{a}”无效(应为 指标|地点|期间|分项,取自上一页的 X-Next-After)"
            ))
        })?),
    };
    let mut filter = ValueFilter {
        indicator: q.indicator.clone(),
        place: q.place.clone(),
        period: q.period.as_deref().map(parse_period).transpose()?,
        state: state_filter,
        after,
        limit: None,
    };
    {
        let state = web.app.read();
        let mut refused = Vec::new();
        if let Some(p) = &q.place {
            match state.tree.id(p) {
                None => return Err(ApiError::NotFound(format!("地点“{p}”"))),
                Some(id) if !who.user.scope.covers_place(&state.tree, id) => {
                    refused.push(format!("地点 {p} 不在 {} 的范围内", who.user.name))
                }
                Some(_) => {}
            }
        }
        if let Some(i) = &q.indicator
            && !who.user.scope.covers_indicator(i)
        {
            refused.push(format!("指标 {i} 不在 {} 的范围内", who.user.name));
        }
        if !refused.is_empty() {
            return Err(ApiError::Forbidden(refused));
        }
    }
    let limit = match q.limit {
        None => 1000,
        Some(n @ 1..=10_000) => n as usize,
        Some(n) => return Err(ApiError::invalid(format!("limit {n} 应在 1 到 10000 之间"))),
    };
    // Read in pages from the store (never the whole table at once), keep what the user's
    // scope covers, stop at the limit: memory and time bounded by the page, not the data.
    let chunk = limit.max(1000);
    filter.limit = Some(chunk);
    let mut kept = Vec::new();
    let mut more = false;
    'pages: loop {
        let page = web.app.values(&filter).await?;
        let full = page.len() == chunk;
        filter.after = page.last().map(|o| o.key.clone());
        let state = web.app.read();
        for o in page {
            let in_scope = state
                .tree
                .id(&o.key.place)
                .is_some_and(|id| who.user.scope.covers(&state.tree, id, &o.key.indicator));
            // A draft only to whom it is live: a read-only role (a viewer) sees the
            // submitted and approved values of its scope, never the drafts.
            let shown = o.state != ValueState::Draft
                || state.sees_drafts(Reader::Person(&who.user), &o.key.place, &o.key.indicator);
            if in_scope && shown && o.value.is_finite() {
                if kept.len() == limit {
                    more = true;
                    break 'pages;
                }
                kept.push(o);
            }
        }
        if !full {
            break;
        }
    }
    let next = if more {
        kept.last().map(|o| o.key.clone())
    } else {
        None
    };
    let out: Vec<ValueOut> = kept
        .into_iter()
        .map(|o| ValueOut {
            indicator: o.key.indicator,
            place: o.key.place,
            period: o.key.period.to_string(),
            component: o.key.component.as_str().into(),
            value: o.value,
            state: o.state.as_str().into(),
            state_zh: o.state.label_zh().into(),
            reporter: o.reporter,
            reported_at: o.reported_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            comment: o.comment,
            source: o.source,
        })
        .collect();
    let mut resp = Json(out).into_response();
    if let Some(k) = next {
        let cursor = format!(
            "{}|{}|{}|{}",
            k.indicator,
            k.place,
            k.period,
            k.component.as_str()
        );
        // Codes are plain text; one that is not a valid header value just has no link.
        if let Ok(v) = HeaderValue::from_str(&cursor) {
            resp.headers_mut().insert("x-next-after", v);
        }
    }
    Ok(resp)
}

/// One number to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ValueIn {
    pub indicator: String,
    pub place: String,
    /// `2025`, `2025H1`, `2025Q2`, `2025-06`, `2025W05`.
    #[schema(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: String,
    /// `value` (default), `numerator`, `denominator`.
    #[serde(default)]
    #[schema(pattern = "^(value|numerator|denominator)$")]
    pub component: Option<String>,
    #[schema(minimum = -1e12, maximum = 1e12)]
    pub value: f64,
    #[serde(default)]
    pub comment: Option<String>,
    /// Where the figure comes from (数据来源: 浙里健康, 统计年鉴, 抽样调查, 本单位统计 …), at
    /// most 100 characters on one line; absent or empty: none named (the indicator's
    /// default source applies).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub source: Option<String>,
}

/// A value's key.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct KeyIn {
    pub indicator: String,
    pub place: String,
    #[schema(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: String,
    #[serde(default)]
    #[schema(pattern = "^(value|numerator|denominator)$")]
    pub component: Option<String>,
}

/// A paging cursor exactly as `X-Next-After` writes it: no spaces trimmed, no other
/// spellings of the period or the component.
fn cursor_key(text: &str) -> Option<ValueKey> {
    let parts: Vec<&str> = text.split('|').collect();
    let [indicator, place, period_text, component_text] = parts[..] else {
        return None;
    };
    if indicator.is_empty() || place.is_empty() {
        return None;
    }
    // A cursor is a position in key order: its codes need not exist, and are kept verbatim.
    let period: Period = period_text.parse().ok()?;
    let component = Component::parse(component_text)?;
    let canonical = period.to_string() == period_text && component.as_str() == component_text;
    canonical.then(|| ValueKey {
        indicator: indicator.to_string(),
        place: place.to_string(),
        period,
        component,
    })
}

/// A value's key from its parts as sent (codes trimmed; no component: the value).
pub(crate) fn key_of(
    indicator: &str,
    place: &str,
    period: &str,
    component: Option<&str>,
) -> Result<ValueKey, String> {
    let period = period
        .parse::<Period>()
        .map_err(|e| format!("期间“{period}”无效:{e}"))?;
    let component = match component {
        None | Some("") => Component::Value,
        Some(c) => Component::parse(c)
            .ok_or_else(|| format!("分项“{c}”无效(value/numerator/denominator)"))?,
    };
    Ok(ValueKey {
        indicator: indicator.trim().to_string(),
        place: place.trim().to_string(),
        period,
        component,
    })
}

/// Checks the written values against the plan and places (unknown codes, periods, numbers
/// out of range), listing every problem with its position in the list.
pub fn to_writes(state: &AppState, values: &[ValueIn]) -> Result<Vec<ValueWrite>, Vec<String>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, v) in values.iter().enumerate() {
        let n = n + 1;
        let key = match key_of(&v.indicator, &v.place, &v.period, v.component.as_deref()) {
            Ok(k) => k,
            Err(e) => {
                errors.push(format!("第{n}条:{e}"));
                continue;
            }
        };
        if state.plan.indicator(&key.indicator).is_none() {
            errors.push(format!("第{n}条:指标“{}”不存在", key.indicator));
        }
        if state.tree.id(&key.place).is_none() {
            errors.push(format!("第{n}条:地点“{}”不存在", key.place));
        }
        if !v.value.is_finite() || v.value.abs() > youxiang_core::write::MAX_ABS {
            errors.push(format!("第{n}条:数值 {} 超出可处理范围", v.value));
        }
        if !seen.insert(key.clone()) {
            errors.push(format!("第{n}条:{key} 重复"));
        }
        let source = v.source.clone().unwrap_or_default();
        if let Some(reason) = youxiang_core::write::source_problem(source.trim()) {
            errors.push(format!("第{n}条:{reason}"));
        }
        out.push(ValueWrite {
            key,
            value: v.value,
            comment: v.comment.clone().unwrap_or_default(),
            source,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WriteOut {
    pub changed: usize,
    pub unchanged: usize,
    /// Places whose shown figures changed (the written ones and the roll-ups above).
    pub places_updated: usize,
    pub warnings: Vec<FileProblem>,
    /// What went wrong after the commit (the write stands); empty normally.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

impl From<WriteReport> for WriteOut {
    fn from(report: WriteReport) -> Self {
        WriteOut {
            changed: report.changed,
            unchanged: report.unchanged,
            places_updated: report.places_updated,
            warnings: report.warnings.iter().map(FileProblem::from).collect(),
            notices: report.notices,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/values", tag = "values", request_body = Vec<ValueIn>,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已写入(全部或全不)", body = WriteOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权填报(逐条列出)或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "指标或地点不存在(逐条列出)", body = ErrorBody),
        (status = 409, description = "数据已审核锁定", body = ErrorBody),
        (status = 422, description = "数据无效(逐条列出)", body = ErrorBody),
    ))]
async fn post_values(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(values): JsonBody<Vec<ValueIn>>,
) -> ApiResult<Json<WriteOut>> {
    if values.is_empty() {
        return Ok(Json(WriteOut {
            changed: 0,
            unchanged: 0,
            places_updated: 0,
            warnings: vec![],
            notices: vec![],
        }));
    }
    let writes = to_writes(&web.app.read(), &values).map_err(|errors| {
        if errors.iter().any(|e| e.contains("不存在")) {
            ApiError::NotFound(errors.join(";"))
        } else {
            ApiError::Invalid(errors)
        }
    })?;
    let report = web.app.write_values(&who.user.login, writes, None).await?;
    Ok(Json(report.into()))
}

// ---------------------------------------------------------------------------------------
// The data-entry form

pub struct FieldView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub component_label: String,
    /// What a ratio's part counts, as the plan names it; empty for a value.
    pub part: String,
    pub value: String,
    pub error: String,
    pub light: &'static str,
    pub light_text: String,
    /// The stored figure's review state (草稿 / 已报送 / 已审核), empty when none.
    pub state: String,
    /// The source field's name (`s:<indicator>:<component>`) and text: as posted, else the
    /// stored figure's 数据来源.
    pub source_id: String,
    pub source: String,
    /// The indicator's default source in the plan, shown when the figure names none.
    pub source_default: String,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    c: Chrome,
    title: String,
    places: Vec<(String, String)>,
    place: String,
    place_name: String,
    period: String,
    fields: Vec<FieldView>,
    errors: Vec<String>,
    saved: String,
    /// How many of the shown figures are drafts (what 提交审核 would submit).
    drafts: usize,
    /// Where the user's key-task targets are when the period leaves them out.
    task_hint: String,
    task_hint_link: String,
}

/// The places a reporter fills in: the scope's roots and the level below them.
fn entry_places(state: &AppState, user: &Reporter) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for root in &user.scope.places {
        let Some(id) = state.tree.id(root) else {
            continue;
        };
        out.push((root.clone(), state.tree.get(id).name.clone()));
        for ch in state.tree.children(id) {
            let p = state.tree.get(*ch);
            out.push((p.code.clone(), format!("  {}", p.name)));
        }
    }
    out.truncate(500);
    out
}

/// Whether a key-task target (`K…`) is filled in for `period`: a whole year's figure, or
/// one of its own frequency. A yearly one is not offered in a month (it could not be
/// saved there); the entry page says where to find it instead ([`task_target_hint`]).
fn task_target_due_in(ind: &youxiang_core::Indicator, period: Period) -> bool {
    let kind = period.kind();
    kind == youxiang_core::period::PeriodKind::Year || kind == ind.frequency
}

/// The entry page's pointer to the key-task targets the user reports that the period
/// shown leaves out: the same place in the period's year.
fn task_target_hint(
    c: &Chrome,
    state: &AppState,
    user: &Reporter,
    place: &str,
    period: &str,
) -> String {
    let Ok(period) = period.parse::<Period>() else {
        return String::new();
    };
    let hidden = state
        .plan
        .task_indicators()
        .filter(|i| user.scope.covers_indicator(&i.code) && !task_target_due_in(i, period))
        .count();
    if hidden == 0 || place != state.plan.place {
        return String::new();
    }
    let year = period.year();
    if c.en {
        format!(
            "{hidden} key-task target(s) are reported yearly: choose the period {year} to fill them in."
        )
    } else {
        format!("另有重点任务目标 {hidden} 项按年填报:请将期间改为 {year} 后填写。")
    }
}

fn default_period(state: &AppState, user: &Reporter) -> String {
    youxiang_app::status_rows(state, Reader::Person(user), &StatusFilter::default())
        .ok()
        .and_then(|rows| rows.iter().filter_map(|r| r.as_of).max())
        .map(|p| p.to_string())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn entry_fields(
    state: &AppState,
    c: &Chrome,
    user: &Reporter,
    place: &str,
    period: Option<Period>,
    posted: &HashMap<String, String>,
    errors: &HashMap<String, String>,
    states: &HashMap<ValueKey, (ValueState, String)>,
) -> Vec<FieldView> {
    let Some(pid) = state.tree.id(place) else {
        return vec![];
    };
    let level = state.tree.get(pid).level;
    let is_root = place == state.plan.place;
    let inds: Vec<_> = state
        .plan
        .indicators
        .iter()
        .filter(|i| {
            user.scope.covers_indicator(&i.code)
                && (i.is_table_row() || period.is_none_or(|p| task_target_due_in(i, p)))
        })
        .collect();
    let matching: Vec<_> = inds
        .iter()
        .filter(|i| match i.report_level {
            Some(l) => l == level,
            None => is_root,
        })
        .copied()
        .collect();
    let inds = if matching.is_empty() { inds } else { matching };
    let mut out = Vec::new();
    for ind in inds {
        // The entry form's places are the user's own: drafts included there.
        let engine = state.view_for(Reader::Person(user), place, &ind.code);
        let status = period.and_then(|p| engine.status(&ind.code, place, p.year()));
        let light = status.map(|s| s.light).unwrap_or(Light::Grey);
        for comp in required_components(ind) {
            let id = format!("v:{}:{}", ind.code, comp.as_str());
            let source_id = format!("s:{}:{}", ind.code, comp.as_str());
            let key = period.map(|p| ValueKey {
                indicator: ind.code.clone(),
                place: place.to_string(),
                period: p,
                component: *comp,
            });
            let current = key.as_ref().and_then(|k| engine.own_value(k));
            let stored_source = key
                .as_ref()
                .and_then(|k| states.get(k))
                .map(|(_, source)| source.clone())
                .unwrap_or_default();
            let state = key
                .as_ref()
                .and_then(|k| states.get(k))
                .map(|(s, _)| {
                    if c.en {
                        s.label_en().to_string()
                    } else {
                        s.label_zh().to_string()
                    }
                })
                .unwrap_or_default();
            out.push(FieldView {
                value: posted
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| current.map(|v| format!("{v}")).unwrap_or_default()),
                error: errors.get(&id).cloned().unwrap_or_default(),
                code: ind.code.clone(),
                name: ind.name.clone(),
                // A ratio's parts are counts, not the ratio's unit.
                unit: if *comp == youxiang_core::value::Component::Value {
                    ind.unit.clone()
                } else {
                    String::new()
                },
                component_label: if c.en {
                    comp.label_en().into()
                } else {
                    comp.label_zh().into()
                },
                // What the part counts, as the plan names it (分子: 投保人数).
                part: match (&ind.aggregation, comp) {
                    (Aggregation::RatioOfSums { numerator, .. }, Component::Numerator) => {
                        numerator.clone()
                    }
                    (Aggregation::RatioOfSums { denominator, .. }, Component::Denominator) => {
                        denominator.clone()
                    }
                    _ => String::new(),
                },
                light: light_str(light),
                light_text: c.light(light),
                state,
                id,
                source: posted.get(&source_id).cloned().unwrap_or(stored_source),
                source_id,
                source_default: ind.data_source.clone(),
            });
        }
    }
    out
}

/// The review states and sources (数据来源) of the stored figures of `place` in `period`
/// (the user's own places: the form is theirs).
async fn entry_states(
    web: &Shared,
    place: &str,
    period: Option<Period>,
) -> HashMap<ValueKey, (ValueState, String)> {
    let Some(period) = period else {
        return HashMap::new();
    };
    web.app
        .values(&ValueFilter {
            place: Some(place.to_string()),
            period: Some(period),
            limit: Some(2000),
            ..Default::default()
        })
        .await
        .map(|v| {
            v.into_iter()
                .map(|o| (o.key, (o.state, o.source)))
                .collect()
        })
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn entry_page(
    web: &Shared,
    who: &PageUser,
    place: Option<String>,
    period: Option<String>,
    posted: HashMap<String, String>,
    field_errors: HashMap<String, String>,
    errors: Vec<String>,
    saved: String,
) -> Response {
    let c = who.chrome(web, "/entry");
    let (place, period) = {
        let state = web.app.read();
        let places = entry_places(&state, &who.user);
        let place = place
            .filter(|p| places.iter().any(|(c, _)| c == p))
            .or_else(|| places.first().map(|(c, _)| c.clone()))
            .unwrap_or_default();
        let period = period
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| default_period(&state, &who.user));
        (place, period)
    };
    let states = entry_states(web, &place, period.parse().ok()).await;
    let state = web.app.read();
    let places = entry_places(&state, &who.user);
    let fields = entry_fields(
        &state,
        &c,
        &who.user,
        &place,
        period.parse().ok(),
        &posted,
        &field_errors,
        &states,
    );
    let drafts = states
        .iter()
        .filter(|(k, (s, _))| {
            *s == ValueState::Draft && fields.iter().any(|f| f.code == k.indicator)
        })
        .count();
    let task_hint = task_target_hint(&c, &state, &who.user, &place, &period);
    let task_hint_link = period
        .parse::<Period>()
        .map(|p| format!("/entry?place={place}&period={}", p.year()))
        .unwrap_or_default();
    let page = EntryPage {
        task_hint,
        task_hint_link,
        title: c.t("entry").into(),
        place_name: state
            .tree
            .by_code(&place)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        places,
        place,
        period,
        fields,
        errors,
        saved,
        drafts,
        c,
    };
    drop(state);
    let mut resp = render(&page);
    if !page.errors.is_empty() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

async fn entry(State(web): State<Shared>, who: PageUser, Query(q): Query<PeriodQ>) -> Response {
    if !who.user.role.can_report() {
        let c = who.chrome(&web, "/entry");
        return c.error(ApiError::Forbidden(vec![format!(
            "{} 无填报权限",
            who.user.name
        )]));
    }
    entry_page(
        &web,
        &who,
        q.place,
        q.period,
        HashMap::new(),
        HashMap::new(),
        vec![],
        String::new(),
    )
    .await
}

/// The form's figures outside their indicator's natural range, by field, with the reason
/// the write path would give (`core::write::natural_range`, `ratio_pair`): a ratio's halves
/// are judged together, the other half as typed or else as stored.
fn range_errors(
    state: &AppState,
    user: &Reporter,
    writes: &[ValueWrite],
    field_errors: &mut HashMap<String, String>,
) {
    use youxiang_core::write::{natural_range, ratio_pair};
    let id = |k: &ValueKey| format!("v:{}:{}", k.indicator, k.component.as_str());
    for w in writes {
        let Some(ind) = state.plan.indicator(&w.key.indicator) else {
            continue;
        };
        if let Some(reason) = natural_range(ind, w.key.component, w.value) {
            field_errors.insert(id(&w.key), format!("{}{reason}", w.value));
            continue;
        }
        if w.key.component != Component::Numerator {
            continue;
        }
        let other = ValueKey {
            component: Component::Denominator,
            ..w.key.clone()
        };
        let den = writes
            .iter()
            .find(|o| o.key == other)
            .map(|o| o.value)
            .or_else(|| {
                state
                    .view_for(Reader::Person(user), &other.place, &other.indicator)
                    .own_value(&other)
            });
        if let Some(reason) = den.and_then(|d| ratio_pair(ind, w.value, d)) {
            field_errors.insert(id(&w.key), reason);
        }
    }
}

async fn entry_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Response {
    if let Err(page) = check_form(&who.chrome(&web, "/entry"), &who, &form) {
        return page;
    }
    let get = |k: &str| field(&form, k).map(String::from);
    let place = get("place").unwrap_or_default();
    let period_text = get("period").unwrap_or_default();
    let mut field_errors = HashMap::new();
    let mut posted = HashMap::new();
    let mut errors = Vec::new();
    let period: Option<Period> = match period_text.parse() {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(format!("期间“{period_text}”无效:{e}"));
            None
        }
    };
    let mut writes = Vec::new();
    // Each figure's 数据来源 field (`s:<indicator>:<component>`), as typed.
    let mut sources: HashMap<String, String> = HashMap::new();
    for (name, value) in &form {
        if let Some(rest) = name.strip_prefix("s:") {
            let text = value.trim().to_string();
            posted.insert(name.clone(), text.clone());
            if let Some(reason) = youxiang_core::write::source_problem(&text) {
                field_errors.insert(format!("v:{rest}"), reason);
            }
            sources.insert(rest.to_string(), text);
        }
    }
    for (name, value) in &form {
        let Some(rest) = name.strip_prefix("v:") else {
            continue;
        };
        let value = value.trim();
        posted.insert(name.clone(), value.to_string());
        if value.is_empty() {
            continue;
        }
        let Some((code, comp)) = rest.split_once(':') else {
            continue;
        };
        let Some(component) = youxiang_core::value::Component::parse(comp) else {
            continue;
        };
        match value.replace([',', ','], "").parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= youxiang_core::write::MAX_ABS => {
                if let Some(period) = period {
                    writes.push(ValueWrite {
                        key: ValueKey {
                            indicator: code.to_string(),
                            place: place.clone(),
                            period,
                            component,
                        },
                        value: v,
                        comment: String::new(),
                        source: sources.get(rest).cloned().unwrap_or_default(),
                    });
                }
            }
            _ => {
                field_errors.insert(name.clone(), format!("“{value}”不是有效的数字"));
            }
        }
    }
    // The form shows the current figures: a field left as shown is not a change (the
    // engine's figure is rounded to millionths, the stored one may carry more digits). As
    // the user sees them: a place outside the scope compares with its official figure (and
    // the write is refused), so the answer tells nothing of another place's drafts.
    // A figure whose source alone changed is a change too.
    {
        let stored = entry_states(&web, &place, period).await;
        let state = web.app.read();
        let reader = Reader::Person(&who.user);
        writes.retain(|w| {
            let source_changed = stored
                .get(&w.key)
                .is_none_or(|(_, source)| *source != w.source);
            state
                .view_for(reader, &w.key.place, &w.key.indicator)
                .own_value(&w.key)
                .is_none_or(|cur| {
                    (cur - w.value).abs() > 1e-6 * cur.abs().max(1.0) || source_changed
                })
        });
    }
    range_errors(&web.app.read(), &who.user, &writes, &mut field_errors);
    // 提交审核 saves what changed, then submits every draft of the form (the place and
    // period shown, the user's indicators); 保存草稿 only saves.
    let submit = get("action").as_deref() == Some("submit");
    if !field_errors.is_empty() {
        errors.push(format!("{} 处数值无效", field_errors.len()));
    }
    if errors.is_empty() && writes.is_empty() && !submit {
        errors.push("没有修改任何数值".into());
    }
    if !errors.is_empty() {
        return entry_page(
            &web,
            &who,
            Some(place),
            Some(period_text),
            posted,
            field_errors,
            errors,
            String::new(),
        )
        .await;
    }
    let fail = |e: youxiang_app::AppError| {
        let b = ApiError::from(e).body();
        let mut errors = vec![b.message];
        errors.extend(b.details);
        errors
    };
    let mut saved = String::new();
    if !writes.is_empty() {
        match web.app.write_values(&who.user.login, writes, None).await {
            Ok(r) => {
                saved = format!(
                    "已保存:{} 条变更,{} 条未变,{} 个地区的汇总已更新",
                    r.changed, r.unchanged, r.places_updated
                );
            }
            Err(e) => {
                return entry_page(
                    &web,
                    &who,
                    Some(place),
                    Some(period_text),
                    posted,
                    field_errors,
                    fail(e),
                    String::new(),
                )
                .await;
            }
        }
    }
    if submit && let Some(period) = period {
        let drafts: Vec<ValueKey> = match web
            .app
            .values(&ValueFilter {
                place: Some(place.clone()),
                period: Some(period),
                state: Some(ValueState::Draft),
                limit: Some(2000),
                ..Default::default()
            })
            .await
        {
            Ok(v) => {
                let state = web.app.read();
                v.into_iter()
                    .map(|o| o.key)
                    .filter(|k| {
                        state.tree.id(&k.place).is_some_and(|p| {
                            youxiang_core::permission::may_write_figure(
                                &who.user,
                                &state.tree,
                                p,
                                &k.indicator,
                            )
                        })
                    })
                    .collect()
            }
            Err(e) => {
                let mut errors = fail(e);
                if !saved.is_empty() {
                    errors.insert(0, format!("{saved};但未能提交审核:"));
                }
                return entry_page(
                    &web,
                    &who,
                    Some(place),
                    Some(period_text),
                    HashMap::new(),
                    HashMap::new(),
                    errors,
                    String::new(),
                )
                .await;
            }
        };
        let text = if drafts.is_empty() {
            "没有待提交的草稿(本期数据已提交或尚未填报)".to_string()
        } else {
            match web
                .app
                .transition(
                    &who.user.login,
                    drafts,
                    youxiang_core::value::Transition::Submit,
                )
                .await
            {
                Ok(n) => format!("已提交审核 {n} 条,等待上级审核"),
                Err(e) => {
                    let mut errors = fail(e);
                    errors.insert(0, "未能提交审核:".into());
                    if !saved.is_empty() {
                        errors.insert(0, format!("{saved}。"));
                    }
                    return entry_page(
                        &web,
                        &who,
                        Some(place),
                        Some(period_text),
                        HashMap::new(),
                        HashMap::new(),
                        errors,
                        String::new(),
                    )
                    .await;
                }
            }
        };
        saved = if saved.is_empty() {
            text
        } else {
            format!("{saved};{text}")
        };
    }
    entry_page(
        &web,
        &who,
        Some(place),
        Some(period_text),
        HashMap::new(),
        HashMap::new(),
        vec![],
        saved,
    )
    .await
}
