//! 重点任务目标 — the key tasks' quantified targets (`K…`), by domain and lead unit:
//! `GET /api/v1/key-targets` and the page `/key-targets` (filter by domain and lead unit,
//! both languages, a card per target on a phone). Each row: the figure with its unit, the
//! target as the plan writes it and the one judged this year (推算 when derived), 原目标
//! when revised, the light, the trend, and for a milestone target where its dated plan
//! stands with a link to the work item that carries it (`/tasks/task:…`). The rows come
//! from `App::key_targets`.

use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::key_targets::{KeyTargetFilter, KeyTargetRow};
use youxiang_core::manage::MilestoneTrack;
use youxiang_core::period::Period;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PageUser};
use crate::layout::{Chrome, PageResult, render};
use crate::status::{LightCounts, SeriesPoint};
use crate::text::{code_of, finite, light_str, num_vs, target_text};

#[derive(OpenApi)]
#[openapi(
    paths(api_key_targets),
    components(schemas(KeyTargetsOut, KeyTargetOut))
)]
pub struct KeyTargetsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/key-targets", get(api_key_targets))
        .route("/key-targets", get(key_targets_page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyTargetsQuery {
    /// Target year; the latest year with data when absent.
    pub year: Option<i32>,
    /// Domain code or name (`YY`, `幼有善育`).
    pub domain: Option<String>,
    /// Only the targets this unit leads (牵头单位, e.g. `区卫健局`).
    pub lead_unit: Option<String>,
}

/// One key-task target at the district.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyTargetOut {
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub domain: String,
    pub domain_name: String,
    pub domain_name_en: String,
    pub lead_unit: String,
    pub partner_units: Vec<String>,
    /// The key task it was read from (`1.2`) and its title.
    pub task: String,
    pub task_title: String,
    /// The plan's sentence, verbatim.
    pub sentence: String,
    pub year: i32,
    pub value: Option<f64>,
    /// The period of the figure (`2025`), if any.
    pub as_of: Option<String>,
    /// Set when the figure is of an earlier period than the year asked: `2024年值`.
    pub as_of_note: Option<String>,
    /// The target as the plan writes it: the year's own cell, else the final one
    /// (`90%以上`); `written_year` is the year it is for.
    pub written: String,
    pub written_year: i32,
    /// 原目标 of the written cell, when a revision changed it.
    pub written_original: Option<String>,
    /// The target judged this year; ends in `(推算)` when derived from the final one.
    pub target: String,
    /// Whether `target` is derived (推算).
    pub derived: bool,
    /// 原目标: the text before a revision changed this year's target.
    pub original_target: Option<String>,
    /// `green`, `yellow`, `red`, `grey`.
    pub light: String,
    pub light_zh: String,
    /// The year check in words (达标, 未达标, 待首次报送, 里程碑:按计划推进 …).
    pub year_label: String,
    pub gap: Option<f64>,
    /// A milestone target: `done`, `on_track`, `late` or `no_plan` (its dated plan).
    pub milestone: Option<String>,
    pub milestone_zh: Option<String>,
    /// The work item carrying the dated steps (`task:1.2`; page `/tasks/task:1.2`).
    pub work_item: Option<String>,
    /// +1 better than the figure before, −1 worse, 0 the same (by polarity).
    pub trend: Option<i8>,
    /// The figures at the district by period, oldest first.
    pub series: Vec<SeriesPoint>,
}

/// The key-task targets of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyTargetsOut {
    pub year: i32,
    pub lights: LightCounts,
    pub targets: Vec<KeyTargetOut>,
}

fn out(r: &KeyTargetRow) -> KeyTargetOut {
    let s = &r.status;
    KeyTargetOut {
        indicator: s.indicator.clone(),
        name: s.name.clone(),
        unit: s.unit.clone(),
        domain: s.domain.clone(),
        domain_name: s.domain_name.clone(),
        domain_name_en: r.domain_name_en.clone(),
        lead_unit: r.lead_unit.clone(),
        partner_units: r.partner_units.clone(),
        task: r.task.clone(),
        task_title: r.task_title.clone(),
        sentence: r.sentence.clone(),
        year: s.year,
        value: finite(s.value),
        as_of: s.as_of.map(|p| p.to_string()),
        as_of_note: s.as_of_note.clone(),
        written: r.written.clone(),
        written_year: r.written_year,
        written_original: r.written_original.clone(),
        target: s.target.clone(),
        derived: r.derived,
        original_target: s.original_target.clone(),
        light: light_str(s.light).into(),
        light_zh: s.light_zh.clone(),
        year_label: s.year_label.clone(),
        gap: finite(s.gap),
        milestone: r.milestone.map(|m| code_of(&m)),
        milestone_zh: r.milestone.map(|m| m.label_zh().to_string()),
        work_item: r.work_item.clone(),
        trend: r.trend,
        series: r
            .series
            .iter()
            .map(|(p, v)| SeriesPoint {
                period: p.to_string(),
                value: *v,
            })
            .collect(),
    }
}

fn filter_of(q: &KeyTargetsQuery) -> KeyTargetFilter {
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    KeyTargetFilter {
        year: q.year,
        domain: text(&q.domain),
        lead_unit: text(&q.lead_unit),
    }
}

fn check_year(web: &Shared, year: Option<i32>) -> ApiResult<()> {
    let years = web.app.read().plan.target_years.clone();
    match year {
        Some(y) if !years.contains(&y) => Err(ApiError::NotFound(format!(
            "{y} 年不是方案目标年份({years:?})"
        ))),
        _ => Ok(()),
    }
}

#[utoipa::path(get, path = "/api/v1/key-targets", tag = "status", params(KeyTargetsQuery),
    responses(
        (status = 200, description = "重点任务目标:各任务目标的数值、原文目标与本年目标(推算标注)、灯号、趋势、里程碑计划状态", body = KeyTargetsOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "年份不是方案目标年份", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_key_targets(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<KeyTargetsQuery>,
) -> ApiResult<Json<KeyTargetsOut>> {
    check_year(&web, q.year)?;
    let (year, rows) = web.app.key_targets(&who.user.login, &filter_of(&q)).await?;
    let mut lights = LightCounts::default();
    for r in &rows {
        lights.add(r.status.light);
    }
    Ok(Json(KeyTargetsOut {
        year,
        lights,
        targets: rows.iter().map(out).collect(),
    }))
}

// ---------------------------------------------------------------------------------------
// The page

struct RowView {
    code: String,
    name: String,
    task: String,
    task_title: String,
    value: String,
    as_of: String,
    written: String,
    target: String,
    original: String,
    written_original: String,
    light: &'static str,
    light_text: String,
    year_label: String,
    spark: String,
    /// ↑ better, ↓ worse, → the same, empty without two figures.
    trend: &'static str,
    trend_text: &'static str,
    milestone: String,
    milestone_late: bool,
    work_item: String,
}

struct UnitView {
    unit: String,
    rows: Vec<RowView>,
}

struct DomainView {
    name: String,
    lights: LightCounts,
    count: usize,
    units: Vec<UnitView>,
}

#[derive(Template)]
#[template(path = "key_targets.html")]
struct KeyTargetsPage {
    c: Chrome,
    title: String,
    caption: String,
    years: Vec<(i32, bool)>,
    domains_filter: Vec<(String, String, bool)>,
    units_filter: Vec<(String, bool)>,
    lights: LightCounts,
    total: usize,
    domains: Vec<DomainView>,
}

#[derive(Deserialize)]
struct PageQ {
    year: Option<String>,
    domain: Option<String>,
    unit: Option<String>,
}

fn period_x(p: &Period) -> f64 {
    let end = p.end();
    end.year() as f64 + end.ordinal() as f64 / 366.0
}

fn milestone_text(c: &Chrome, m: MilestoneTrack) -> String {
    if c.en {
        m.label_en().to_string()
    } else {
        m.label_zh().to_string()
    }
}

fn row_view(c: &Chrome, r: &KeyTargetRow) -> RowView {
    let s = &r.status;
    let target_value = youxiang_core::Target::parse(
        s.target
            .strip_suffix(youxiang_core::target::DERIVED_MARK)
            .unwrap_or(&s.target),
    )
    .ok()
    .and_then(|t| t.value);
    let series: Vec<(f64, f64)> = r.series.iter().map(|(p, v)| (period_x(p), *v)).collect();
    let (trend, trend_text) = match r.trend {
        Some(1) => ("↑", if c.en { "better" } else { "向好" }),
        Some(-1) => ("↓", if c.en { "worse" } else { "变差" }),
        Some(_) => ("→", if c.en { "unchanged" } else { "持平" }),
        None => ("", ""),
    };
    RowView {
        code: s.indicator.clone(),
        name: s.name.clone(),
        task: r.task.clone(),
        task_title: r.task_title.clone(),
        value: num_vs(s.value, &s.target, &s.unit),
        as_of: s.as_of_note.clone().unwrap_or_default(),
        written: {
            let value = youxiang_core::Target::parse(&r.written)
                .ok()
                .and_then(|t| t.value);
            let text = target_text(&r.written, value, &s.unit);
            if r.written_year == s.year {
                text
            } else if c.en {
                format!("{text} by {}", r.written_year)
            } else {
                format!("{}年 {text}", r.written_year)
            }
        },
        target: target_text(&s.target, target_value, &s.unit),
        original: s.original_target.clone().unwrap_or_default(),
        written_original: r.written_original.clone().unwrap_or_default(),
        light: light_str(s.light),
        light_text: c.light(s.light),
        year_label: if c.en {
            String::new()
        } else {
            s.year_label.clone()
        },
        spark: crate::status::sparkline(&series, &[], c.t("spark")),
        trend,
        trend_text,
        milestone: r
            .milestone
            .map(|m| milestone_text(c, m))
            .unwrap_or_default(),
        milestone_late: r.milestone == Some(MilestoneTrack::Late),
        work_item: r
            .work_item
            .as_ref()
            .map(|w| format!("/tasks/{w}"))
            .unwrap_or_default(),
    }
}

async fn key_targets_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQ>,
) -> PageResult {
    let c = who.chrome(&web, "/key-targets");
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => Some(
            y.parse::<i32>()
                .map_err(|_| c.error(ApiError::invalid(format!("年度“{y}”不是年份(应为 2025)"))))?,
        ),
        None => None,
    };
    check_year(&web, year).map_err(|e| c.error(e))?;
    let query = KeyTargetsQuery {
        year,
        domain: q.domain.clone(),
        lead_unit: q.unit.clone(),
    };
    let filter = filter_of(&query);
    let (year, rows) = web
        .app
        .key_targets(&who.user.login, &filter)
        .await
        .map_err(|e| c.error(e))?;
    let state = web.app.read();
    let mut lights = LightCounts::default();
    let mut domains: Vec<DomainView> = Vec::new();
    for d in &state.plan.domains {
        let in_domain: Vec<&KeyTargetRow> =
            rows.iter().filter(|r| r.status.domain == d.code).collect();
        if in_domain.is_empty() {
            continue;
        }
        let mut dl = LightCounts::default();
        let mut units: Vec<UnitView> = Vec::new();
        for r in &in_domain {
            dl.add(r.status.light);
            lights.add(r.status.light);
            match units.iter_mut().find(|u| u.unit == r.lead_unit) {
                Some(u) => u.rows.push(row_view(&c, r)),
                None => units.push(UnitView {
                    unit: r.lead_unit.clone(),
                    rows: vec![row_view(&c, r)],
                }),
            }
        }
        domains.push(DomainView {
            name: if c.en && !d.name_en.is_empty() {
                format!("{} {}", d.name, d.name_en)
            } else {
                d.name.clone()
            },
            lights: dl,
            count: in_domain.len(),
            units,
        });
    }
    let mut all_units: Vec<String> = state
        .plan
        .task_indicators()
        .map(|i| i.lead_unit.clone())
        .collect();
    all_units.sort();
    all_units.dedup();
    let chosen_domain = filter.domain.clone().unwrap_or_default();
    let chosen_unit = filter.lead_unit.clone().unwrap_or_default();
    let page = KeyTargetsPage {
        title: if c.en {
            "Key-task targets".into()
        } else {
            "重点任务目标".into()
        },
        caption: if c.en {
            format!(
                "{} · {year} · the quantified targets of the plan's key tasks, by domain and lead unit",
                state.plan.name
            )
        } else {
            format!(
                "{} · {year}年 · 重点任务中的量化目标,按领域和牵头单位",
                state.plan.name
            )
        },
        years: state
            .plan
            .target_years
            .iter()
            .map(|y| (*y, *y == year))
            .collect(),
        domains_filter: state
            .plan
            .domains
            .iter()
            .map(|d| {
                (
                    d.code.clone(),
                    if c.en && !d.name_en.is_empty() {
                        d.name_en.clone()
                    } else {
                        d.name.clone()
                    },
                    d.code == chosen_domain || d.name == chosen_domain,
                )
            })
            .collect(),
        units_filter: all_units
            .into_iter()
            .map(|u| {
                let sel = u == chosen_unit;
                (u, sel)
            })
            .collect(),
        lights,
        total: rows.len(),
        domains,
        c,
    };
    drop(state);
    Ok(render(&page))
}
