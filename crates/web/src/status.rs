//! The status of the programme: the status table (`/api/v1/status`) and the overview
//! (`/api/v1/overview`), both served from the response cache for the engines' current
//! generation; the pages 驾驶舱 `/overview` and a place's overview `/place/{code}`
//! (sparklines as inline SVG, the places below with their lights).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::{Reader, State as AppState, StatusFilter, StatusRow, status_rows};
use youxiang_core::eval::Light;
use youxiang_core::period::Period;
use youxiang_core::place::PlaceId;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PageUser};
use crate::layout::{Chrome, PageResult, render};
use crate::text::{enum_str, finite, light_str, num_vs, parse_period, target_text};

#[derive(OpenApi)]
#[openapi(
    paths(status, overview),
    components(schemas(
        StatusRowOut,
        OverviewOut,
        DomainCount,
        LightCounts,
        HeadlineRow,
        TargetPoint,
        SeriesPoint
    ))
)]
pub struct StatusDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/status", get(status))
        .route("/api/v1/overview", get(overview))
        .route("/overview", get(overview_html))
        .route("/place/{code}", get(place_html))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Place code; the plan's own place (the district) when absent.
    pub place: Option<String>,
    /// Target year; the latest year with data when absent.
    pub year: Option<i32>,
    /// A period within the year (`2025-06`, `2025Q2`, `2025H1`, `2025`): figures and lights
    /// as of that period.
    #[param(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: Option<String>,
    /// Domain code or name.
    pub domain: Option<String>,
    /// Include the task-text indicators, not only the table's 20.
    pub all: Option<bool>,
}

/// One row of the status table (see `youxiang status`).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusRowOut {
    pub domain: String,
    pub domain_name: String,
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub place: String,
    pub place_name: String,
    pub year: i32,
    /// The year's target exactly as the plan writes it.
    pub target: String,
    /// 原目标: the plan's text before a revision (方案调整) changed this year's target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_target: Option<String>,
    /// The period of the figure (`2025-09`), if any.
    pub as_of: Option<String>,
    pub as_of_zh: Option<String>,
    /// Set when the figure is of an earlier period than the one asked for: `2024年值`.
    pub as_of_note: Option<String>,
    pub value: Option<f64>,
    /// `green`, `yellow`, `red`, `grey`.
    pub light: String,
    /// 达标 / 预警 / 滞后 / 无数据.
    pub light_zh: String,
    /// Gap behind the schedule in percentage points of the year's task.
    pub gap: Option<f64>,
    pub year_status: String,
    pub progress: String,
    pub score: Option<f64>,
}

impl From<&StatusRow> for StatusRowOut {
    fn from(r: &StatusRow) -> Self {
        StatusRowOut {
            domain: r.domain.clone(),
            domain_name: r.domain_name.clone(),
            indicator: r.indicator.clone(),
            name: r.name.clone(),
            unit: r.unit.clone(),
            place: r.place.clone(),
            place_name: r.place_name.clone(),
            year: r.year,
            target: r.target.clone(),
            original_target: r.original_target.clone(),
            as_of: r.as_of.map(|p| p.to_string()),
            as_of_zh: r.as_of.map(|p| p.label_zh()),
            as_of_note: r.as_of_note.clone(),
            value: finite(r.value),
            light: light_str(r.light).into(),
            light_zh: r.light_zh.clone(),
            gap: finite(r.gap),
            year_status: enum_str(&r.year_status),
            progress: enum_str(&r.progress),
            score: finite(r.score),
        }
    }
}

pub fn status_filter(q: &StatusQuery) -> ApiResult<StatusFilter> {
    Ok(StatusFilter {
        place: q.place.clone(),
        year: q.year,
        period: q.period.as_deref().map(parse_period).transpose()?,
        domain: q.domain.clone(),
        all: q.all.unwrap_or(false),
    })
}

/// The status rows `reader` may see: drafts only where their role reports or approves and
/// their scope covers the row.
pub fn rows_for(
    state: &AppState,
    reader: Reader<'_>,
    filter: &StatusFilter,
) -> ApiResult<Vec<StatusRow>> {
    if let Some(p) = &filter.place
        && state.tree.id(p).is_none()
    {
        return Err(ApiError::NotFound(format!("地点“{p}”")));
    }
    if let Some(y) = filter.period.map(|p| p.year()).or(filter.year)
        && !state.plan.target_years.contains(&y)
    {
        return Err(ApiError::NotFound(format!(
            "{y} 年不是方案目标年份({:?})",
            state.plan.target_years
        )));
    }
    status_rows(state, reader, filter).map_err(ApiError::invalid)
}

#[utoipa::path(get, path = "/api/v1/status", tag = "status", params(StatusQuery),
    responses(
        (status = 200, description = "状态表:每个指标的数值、目标、灯号", body = Vec<StatusRowOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn status(
    State(web): State<Shared>,
    who: Authed,
    uri: Uri,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> ApiResult<Response> {
    let filter = status_filter(&q)?;
    let reader = Reader::Person(&who.user);
    cached_json(
        &web,
        "status",
        &uri,
        reader,
        filter.place.as_deref(),
        |state| {
            let rows = rows_for(state, reader, &filter)?;
            Ok(rows.iter().map(StatusRowOut::from).collect::<Vec<_>>())
        },
    )
}

/// Which figures `reader` sees at `place` (the plan's place when `None`): `-` when only
/// the official ones, else one bit per indicator of the plan (set where drafts count), in
/// hexadecimal. Two readers with the same view get the same answer from the same query,
/// and only they: the response cache keys on it, so one reader's drafts never reach
/// another.
fn view_key(state: &AppState, reader: Reader<'_>, place: Option<&str>) -> String {
    let place = place.unwrap_or(&state.plan.place);
    let live: Vec<bool> = state
        .plan
        .indicators
        .iter()
        .map(|i| state.sees_drafts(reader, place, &i.code))
        .collect();
    if !live.contains(&true) {
        return "-".into();
    }
    live.chunks(4)
        .map(|bits| {
            let n = bits
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << i));
            char::from_digit(n, 16).unwrap_or('?')
        })
        .collect()
}

/// The answer of a read that depends only on the query, the figures `reader` may see at
/// `place` and the engines' state (the caller has checked the session), from the response
/// cache when it was computed at the engines' current generation for the same view, else
/// computed under the read lock and kept.
fn cached_json<T: Serialize>(
    web: &crate::Web,
    endpoint: &str,
    uri: &Uri,
    reader: Reader<'_>,
    place: Option<&str>,
    compute: impl FnOnce(&AppState) -> ApiResult<T>,
) -> ApiResult<Response> {
    let (generation, key, out) = {
        let state = web.app.read();
        let key = format!(
            "{endpoint}?{}#{}",
            uri.query().unwrap_or(""),
            view_key(&state, reader, place)
        );
        let generation = state.generation();
        if let Some(body) = web.cache.get(generation, &key) {
            return Ok(json_bytes(body));
        }
        (generation, key, compute(&state)?)
    };
    let body = Bytes::from(
        serde_json::to_vec(&out).map_err(|e| ApiError::Internal(format!("JSON: {e}")))?,
    );
    web.cache.put(generation, &key, body.clone());
    Ok(json_bytes(body))
}

fn json_bytes(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[derive(Debug, Default, Clone, Copy, Serialize, ToSchema)]
pub struct LightCounts {
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub grey: usize,
}

impl LightCounts {
    pub fn add(&mut self, l: Light) {
        match l {
            Light::Green => self.green += 1,
            Light::Yellow => self.yellow += 1,
            Light::Red => self.red += 1,
            Light::Grey => self.grey += 1,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainCount {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub lead_unit: String,
    pub lights: LightCounts,
    /// The indicator furthest behind (red before yellow, then the largest gap).
    pub worst: Option<String>,
    pub worst_name: Option<String>,
    /// How many of the plan's table indicators the domain has (their lights: `lights`).
    pub indicators: usize,
    /// How many key-task targets (`K…`) the domain has, counted at the district only.
    pub task_targets: usize,
    /// The task targets' lights (a milestone target before its year: its dated plan's).
    pub task_lights: LightCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub period: String,
    pub value: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetPoint {
    pub year: i32,
    /// As the plan writes it.
    pub text: String,
    pub value: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeadlineRow {
    #[serde(flatten)]
    pub row: StatusRowOut,
    /// The figures by period at the place (for the sparkline).
    pub series: Vec<SeriesPoint>,
    /// The baseline and the yearly targets (the target path).
    pub targets: Vec<TargetPoint>,
    /// 同比: against the same period a year before, where that figure exists.
    pub yoy: Option<crate::problems::ChangeOut>,
    /// 环比: against the period before (none for a yearly figure).
    pub pop: Option<crate::problems::ChangeOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewOut {
    pub place: String,
    pub place_name: String,
    pub year: i32,
    pub period: Option<String>,
    pub lights: LightCounts,
    pub domains: Vec<DomainCount>,
    pub headline: Vec<HeadlineRow>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Place code; the district when absent.
    pub place: Option<String>,
    pub year: Option<i32>,
    /// As of this period (`2025-06`).
    #[param(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: Option<String>,
}

fn light_rank(l: Light) -> u8 {
    match l {
        Light::Red => 3,
        Light::Yellow => 2,
        Light::Grey => 0,
        Light::Green => 1,
    }
}

/// The overview of a place as `reader` may see it: light counts overall and by domain,
/// and the headline rows.
pub fn build_overview(
    state: &AppState,
    reader: Reader<'_>,
    q: &OverviewQuery,
) -> ApiResult<OverviewOut> {
    build_overview_with(state, reader, q, None)
}

/// Where each milestone target's dated plan stands (`App::milestone_tracks`).
pub type Tracks = std::collections::BTreeMap<String, youxiang_core::manage::MilestoneTrack>;

/// A short fingerprint of the milestone tracks, for the response cache's key: the work
/// items they come from change without the engines changing.
pub fn tracks_key(tracks: &Tracks) -> String {
    tracks
        .values()
        .map(|t| match t {
            youxiang_core::manage::MilestoneTrack::Done => 'd',
            youxiang_core::manage::MilestoneTrack::OnTrack => 'o',
            youxiang_core::manage::MilestoneTrack::Late => 'l',
            youxiang_core::manage::MilestoneTrack::NoPlan => 'n',
        })
        .collect()
}

/// [`build_overview`], the domain cards also counting the key-task targets at the
/// district, a milestone target before its year by its dated plan when `tracks` is given.
pub fn build_overview_with(
    state: &AppState,
    reader: Reader<'_>,
    q: &OverviewQuery,
    tracks: Option<&Tracks>,
) -> ApiResult<OverviewOut> {
    let filter = StatusFilter {
        place: q.place.clone(),
        year: q.year,
        period: q.period.as_deref().map(parse_period).transpose()?,
        domain: None,
        all: false,
    };
    let rows = rows_for(state, reader, &filter)?;
    let place = filter
        .place
        .clone()
        .unwrap_or_else(|| state.plan.place.clone());
    let place_name = state
        .tree
        .by_code(&place)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let year = rows.first().map(|r| r.year).or(q.year).unwrap_or(0);
    // The key-task targets are the district's (their lead units are departments).
    let task_rows: Vec<StatusRow> = if place == state.plan.place && year != 0 {
        let all = StatusFilter {
            year: Some(year),
            all: true,
            ..filter.clone()
        };
        let mut task_rows: Vec<StatusRow> = rows_for(state, reader, &all)?
            .into_iter()
            .filter(|r| {
                state
                    .plan
                    .indicator(&r.indicator)
                    .is_some_and(|i| !i.is_table_row())
            })
            .collect();
        if let Some(tracks) = tracks {
            youxiang_app::mark_milestone_tracks(&state.plan, &mut task_rows, tracks);
        }
        task_rows
    } else {
        Vec::new()
    };
    let mut lights = LightCounts::default();
    let mut domains = Vec::new();
    for d in &state.plan.domains {
        let mut task_lights = LightCounts::default();
        let mut task_targets = 0;
        for r in task_rows.iter().filter(|r| r.domain == d.code) {
            task_lights.add(r.light);
            task_targets += 1;
        }
        let mut c = LightCounts::default();
        let mut worst: Option<&StatusRow> = None;
        for r in rows.iter().filter(|r| r.domain == d.code) {
            c.add(r.light);
            let worse = match worst {
                None => light_rank(r.light) >= 2,
                Some(w) => {
                    (light_rank(r.light), r.gap.unwrap_or(0.0))
                        > (light_rank(w.light), w.gap.unwrap_or(0.0))
                }
            };
            if worse {
                worst = Some(r);
            }
        }
        domains.push(DomainCount {
            code: d.code.clone(),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            lead_unit: d.lead_unit.clone(),
            lights: c,
            worst: worst.map(|w| w.indicator.clone()),
            worst_name: worst.map(|w| w.name.clone()),
            indicators: rows.iter().filter(|r| r.domain == d.code).count(),
            task_targets,
            task_lights,
        });
    }
    let mut headline = Vec::new();
    for r in &rows {
        lights.add(r.light);
        let ind = state.plan.indicator(&r.indicator);
        let figures: Vec<(Period, f64)> = state
            .view_for(reader, &place, &r.indicator)
            .series_at(&r.indicator, &place)
            .into_iter()
            .filter(|(p, v)| v.is_finite() && filter.period.is_none_or(|f| *p <= f))
            .collect();
        let (yoy, pop) = crate::problems::changes(&figures, r.as_of, &r.unit);
        let series = figures
            .iter()
            .map(|(p, v)| SeriesPoint {
                period: p.to_string(),
                value: *v,
            })
            .collect();
        let targets = ind
            .map(|i| {
                std::iter::once((state.plan.baseline_year, &i.baseline))
                    .chain(i.targets.iter().map(|(y, t)| (*y, t)))
                    .map(|(y, t)| TargetPoint {
                        year: y,
                        text: t.text.clone(),
                        value: finite(t.value),
                    })
                    .collect()
            })
            .unwrap_or_default();
        headline.push(HeadlineRow {
            row: r.into(),
            series,
            targets,
            yoy,
            pop,
        });
    }
    Ok(OverviewOut {
        place,
        place_name,
        year,
        period: filter.period.map(|p| p.to_string()),
        lights,
        domains,
        headline,
    })
}

#[utoipa::path(get, path = "/api/v1/overview", tag = "status", params(OverviewQuery),
    responses(
        (status = 200, description = "驾驶舱:7 个领域的灯号计数与 20 项主要指标", body = OverviewOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn overview(
    State(web): State<Shared>,
    who: Authed,
    uri: Uri,
    ApiQuery(q): ApiQuery<OverviewQuery>,
) -> ApiResult<Response> {
    let reader = Reader::Person(&who.user);
    let tracks = web.app.milestone_tracks().await?;
    cached_json(
        &web,
        &format!("overview~{}", tracks_key(&tracks)),
        &uri,
        reader,
        q.place.as_deref(),
        |state| build_overview_with(state, reader, &q, Some(&tracks)),
    )
}

// ---------------------------------------------------------------------------------------
// Pages

pub struct RowView {
    pub code: String,
    pub name: String,
    pub domain: String,
    pub target: String,
    pub value: String,
    pub as_of: String,
    pub light: &'static str,
    pub light_text: String,
    pub spark: String,
    /// 同比 and 环比 in words.
    pub change: String,
    /// Open orders, cause and measures.
    pub doing: crate::problems::DoingView,
}

pub struct DomainView {
    pub name: String,
    pub lead_unit: String,
    pub lights: LightCounts,
    pub worst_name: Option<String>,
    /// The domain's open orders at the place and below, in words; the nearest deadline.
    pub orders: String,
    pub orders_overdue: bool,
    pub deadline: String,
    /// The table indicators and the key-task targets counted on the card.
    pub indicators: usize,
    pub task_targets: usize,
    pub task_lights: LightCounts,
    /// The 重点任务目标 page filtered to the domain.
    pub task_link: String,
    /// 满意度: the latest published survey's index of the domain at the place, in words
    /// (empty: no published survey covers it).
    pub satisfaction: String,
}

pub struct ChildView {
    pub code: String,
    pub name: String,
    pub lights: LightCounts,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    c: Chrome,
    title: String,
    action: String,
    period: String,
    period_q: String,
    year: i32,
    place: String,
    place_name: String,
    caption: String,
    lights: LightCounts,
    completeness: String,
    crumbs: Vec<(String, String)>,
    domains: Vec<DomainView>,
    rows: Vec<RowView>,
    children: Vec<ChildView>,
    /// 问题清单 of this place.
    problems_link: String,
    /// The map of the places below, coloured by light (map.rs).
    map: String,
    /// The major projects and 民生实事 panels (projects.rs).
    panels: String,
}

/// A sparkline of the figures with the target path (dashed), as inline SVG named `label`.
pub(crate) fn sparkline(series: &[(f64, f64)], targets: &[(f64, f64)], label: &str) -> String {
    let all: Vec<&(f64, f64)> = series.iter().chain(targets.iter()).collect();
    if series.is_empty() || all.is_empty() {
        return String::new();
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in &all {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    let w = (x1 - x0).max(1e-9);
    let h = (y1 - y0).max(1e-9);
    let pts = |s: &[(f64, f64)]| {
        s.iter()
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    2.0 + (x - x0) / w * 116.0,
                    26.0 - (y - y0) / h * 24.0
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "<svg class=\"spark\" viewBox=\"0 0 120 28\" role=\"img\" aria-label=\"{label}\"><polyline class=\"target\" points=\"{}\"/><polyline class=\"actual\" points=\"{}\"/></svg>",
        pts(targets),
        pts(series)
    )
}

fn period_x(p: &str) -> Option<f64> {
    let period: Period = p.parse().ok()?;
    let end = period.end();
    Some(end.year_ce().1 as f64 + (end.ordinal() as f64) / 366.0)
}

#[allow(clippy::result_large_err, clippy::too_many_arguments)]
fn overview_page(
    web: &Shared,
    who: &PageUser,
    path: &str,
    place: Option<String>,
    period: Option<String>,
    doing: &crate::problems::Doing,
    tracks: &Tracks,
    panels: String,
    survey: Option<youxiang_app::survey_results::PublishedSurvey>,
) -> PageResult {
    let c = who.chrome(web, path);
    let period = period.filter(|p| !p.trim().is_empty());
    let state = web.app.read();
    let q = OverviewQuery {
        place: place.clone(),
        year: None,
        period: period.clone(),
    };
    let reader = Reader::Person(&who.user);
    let ov = build_overview_with(&state, reader, &q, Some(tracks)).map_err(|e| c.error(e))?;
    let rows = ov
        .headline
        .iter()
        .map(|h| {
            let series: Vec<(f64, f64)> = h
                .series
                .iter()
                .filter_map(|p| Some((period_x(&p.period)?, p.value)))
                .collect();
            let targets: Vec<(f64, f64)> = h
                .targets
                .iter()
                .filter_map(|t| Some((t.year as f64 + 1.0, t.value?)))
                .collect();
            let light = light_of(&h.row.light);
            RowView {
                code: h.row.indicator.clone(),
                name: h.row.name.clone(),
                domain: h.row.domain_name.clone(),
                target: target_text(
                    &h.row.target,
                    h.targets
                        .iter()
                        .find(|t| t.year == h.row.year)
                        .and_then(|t| t.value),
                    &h.row.unit,
                ),
                value: num_vs(h.row.value, &h.row.target, &h.row.unit),
                as_of: if c.en {
                    // The period the figure is of, in English (the note is Chinese).
                    h.row
                        .as_of
                        .as_deref()
                        .and_then(|p| p.parse::<Period>().ok())
                        .map(|p| p.label_en())
                        .unwrap_or_default()
                } else {
                    h.row
                        .as_of_note
                        .clone()
                        .or_else(|| h.row.as_of_zh.clone())
                        .unwrap_or_default()
                },
                light: light_str(light),
                light_text: c.light(light),
                spark: sparkline(&series, &targets, c.t("spark")),
                change: [&h.yoy, &h.pop]
                    .into_iter()
                    .flatten()
                    .map(|x| x.sentence.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                doing: doing.row(&c, &state, &h.row.indicator, &ov.place, h.row.year, light),
            }
        })
        .collect();
    let id = state.tree.id(&ov.place);
    let crumbs = id
        .map(|id| {
            let mut v: Vec<(String, String)> = state
                .tree
                .ancestors(id)
                .filter(|a| *a != id)
                .map(|a| {
                    let p = state.tree.get(a);
                    (p.code.clone(), p.name.clone())
                })
                .collect();
            v.reverse();
            v
        })
        .unwrap_or_default();
    let children = id
        .map(|id| children_counts(&state, reader, id, period.as_deref()))
        .unwrap_or_default();
    let title = if ov.place == state.plan.place {
        format!("{} · {}", c.t("overview"), ov.place_name)
    } else {
        ov.place_name.clone()
    };
    let page = OverviewPage {
        panels,
        action: path.to_string(),
        map: crate::map::overview_map(&c, &state, reader, &ov.place, ov.year, period.as_deref()),
        period: period.clone().unwrap_or_default(),
        period_q: period.map(|p| format!("&period={p}")).unwrap_or_default(),
        year: ov.year,
        caption: format!("{} · {}", ov.place_name, ov.year),
        place: ov.place.clone(),
        place_name: ov.place_name.clone(),
        lights: ov.lights,
        completeness: String::new(),
        crumbs,
        domains: ov
            .domains
            .iter()
            .map(|d| DomainView {
                name: if c.en && !d.name_en.is_empty() {
                    format!("{} {}", d.name, d.name_en)
                } else {
                    d.name.clone()
                },
                lead_unit: d.lead_unit.clone(),
                lights: d.lights,
                worst_name: d.worst_name.clone(),
                indicators: d.indicators,
                task_targets: d.task_targets,
                task_lights: d.task_lights,
                task_link: format!("/key-targets?domain={}", d.code),
                satisfaction: crate::survey::satisfaction_text(
                    c.en,
                    survey.as_ref(),
                    &d.code,
                    &ov.place,
                ),
                ..domain_orders(&c, &state, doing, &d.code, &ov.place)
            })
            .collect(),
        rows,
        children,
        problems_link: if ov.place == state.plan.place {
            "/problems".into()
        } else {
            format!("/problems?place={}", ov.place)
        },
        title,
        c,
    };
    drop(state);
    Ok(render(&page))
}

/// A domain card's open orders (its headline indicators at `place` and below).
fn domain_orders(
    c: &Chrome,
    state: &AppState,
    doing: &crate::problems::Doing,
    domain: &str,
    place: &str,
) -> DomainView {
    let codes: Vec<&str> = state
        .plan
        .indicators
        .iter()
        .filter(|i| i.is_table_row() && i.domain == domain)
        .map(|i| i.code.as_str())
        .collect();
    let s = doing.orders_under(state, &codes, place);
    DomainView {
        name: String::new(),
        lead_unit: String::new(),
        lights: LightCounts::default(),
        worst_name: None,
        orders: if s.open == 0 {
            String::new()
        } else {
            crate::problems::orders_text(c, &s)
        },
        orders_overdue: s.worst_overdue,
        deadline: s
            .nearest_deadline
            .map(|d| d.to_string())
            .unwrap_or_default(),
        indicators: 0,
        task_targets: 0,
        task_lights: LightCounts::default(),
        task_link: String::new(),
        satisfaction: String::new(),
    }
}

fn light_of(s: &str) -> Light {
    match s {
        "green" => Light::Green,
        "yellow" => Light::Yellow,
        "red" => Light::Red,
        _ => Light::Grey,
    }
}

fn children_counts(
    state: &AppState,
    reader: Reader<'_>,
    id: PlaceId,
    period: Option<&str>,
) -> Vec<ChildView> {
    state
        .tree
        .children(id)
        .iter()
        .map(|ch| {
            let p = state.tree.get(*ch);
            let mut lights = LightCounts::default();
            let filter = StatusFilter {
                place: Some(p.code.clone()),
                period: period.and_then(|p| p.parse().ok()),
                ..Default::default()
            };
            if let Ok(rows) = youxiang_app::status_rows(state, reader, &filter) {
                for r in rows {
                    lights.add(r.light);
                }
            }
            ChildView {
                code: p.code.clone(),
                name: p.name.clone(),
                lights,
            }
        })
        .collect()
}

/// A page's place and period.
#[derive(Deserialize)]
pub(crate) struct PeriodQ {
    pub period: Option<String>,
    pub place: Option<String>,
    /// What a form that led back here did (`已保存 …`).
    pub ok: Option<String>,
}

async fn overview_html(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PeriodQ>,
) -> PageResult {
    let doing = crate::problems::doing_for(&web, &who)
        .await
        .map_err(|e| who.chrome(&web, "/overview").error(e))?;
    let tracks = web
        .app
        .milestone_tracks()
        .await
        .map_err(|e| who.chrome(&web, "/overview").error(e))?;
    let panels =
        crate::projects::overview_panels(&web, &who.chrome(&web, "/overview"), q.place.as_deref())
            .await;
    overview_page(
        &web,
        &who,
        "/overview",
        q.place,
        q.period,
        &doing,
        &tracks,
        panels,
        crate::survey::dashboard_survey(&web).await,
    )
}

async fn place_html(
    State(web): State<Shared>,
    who: PageUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQ>,
) -> PageResult {
    let path = format!("/place/{code}");
    let doing = crate::problems::doing_for(&web, &who)
        .await
        .map_err(|e| who.chrome(&web, &path).error(e))?;
    let tracks = web
        .app
        .milestone_tracks()
        .await
        .map_err(|e| who.chrome(&web, &path).error(e))?;
    let panels =
        crate::projects::overview_panels(&web, &who.chrome(&web, &path), Some(&code)).await;
    overview_page(
        &web,
        &who,
        &path,
        Some(code),
        q.period,
        &doing,
        &tracks,
        panels,
        crate::survey::dashboard_survey(&web).await,
    )
}
