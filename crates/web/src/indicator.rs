//! One indicator: `GET /api/v1/explain/{indicator}/{place}/{period}` — everything behind a
//! figure and its statuses, each result with its inputs and formula (the answer's types
//! mirror the engine's `Explained` field for field) — and the page `/indicator/{code}`
//! (trend against the targets and the schedule, the towns' bars and map, each chart with
//! its data table).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use youxiang_app::Reader;
use youxiang_app::{Explained, PlaceFigure};
use youxiang_core::decompose::PlaceTarget;
use youxiang_core::eval::Flow;
use youxiang_core::eval::{
    Explanation, Forecast, ForecastMethod, InputValue, Light, Progress, ProgressStatus, Schedule,
    ScheduleMode, UnsdRatio, UnsdStatus, YearCheck, YearStatus,
};
use youxiang_core::eval::{Pace, PaceScale, PaceStatus};
use youxiang_core::period::Period;

use crate::Shared;
use crate::auth::Authed;
use crate::chart::{self, PlanPoint};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::PageUser;
use crate::layout::{Chrome, PageResult, render};
use crate::plan::TargetOut;
use crate::status::PeriodQ;
use crate::text::{light_str, num, num_vs, parse_period, target_text};

#[derive(OpenApi)]
#[openapi(paths(explain), components(schemas(ExplainOut, PaceOut)))]
pub struct IndicatorDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/explain/{indicator}/{place}/{period}", get(explain))
        .route("/indicator/{code}", get(indicator_html))
}

#[utoipa::path(get, path = "/api/v1/explain/{indicator}/{place}/{period}", tag = "status",
    params(
        ("indicator" = String, Path, description = "指标代码,如 T02"),
        ("place" = String, Path, description = "地点代码,如 330902"),
        ("period" = String, Path, description = "期间,如 2025-09", pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$"),
    ),
    responses(
        (status = 200, description = "数值来源、规则、各项状态及其输入与公式", body = ExplainOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "指标或地点不存在", body = ErrorBody),
        (status = 422, description = "期间无效", body = ErrorBody),
    ))]
async fn explain(
    State(web): State<Shared>,
    who: Authed,
    Path((indicator, place, period)): Path<(String, String, String)>,
) -> ApiResult<Json<ExplainOut>> {
    let period = parse_period(&period)?;
    let e = {
        let state = web.app.read();
        state
            .view_for(Reader::Person(&who.user), &place, &indicator)
            .explain(&indicator, &place, period)
            .ok_or_else(|| ApiError::NotFound(format!("指标“{indicator}”或地点“{place}”")))?
    };
    // Numbers JSON cannot carry (not finite) are written as null.
    let mut out = ExplainOut::from(e);
    if let Some(p) = web
        .app
        .figure_provenance(Reader::Person(&who.user), &indicator, &place, period)
        .await?
    {
        out.data_source_is_default = p.source_by_default();
        out.data_source = p.source.map(|s| s.text);
        out.definition = p.definition;
    }
    Ok(Json(out))
}

/// Everything behind one figure and its statuses, in words and numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainOut {
    pub indicator: String,
    pub indicator_name: String,
    pub unit: String,
    pub place: String,
    pub place_name: String,
    /// `2025-09`.
    #[schema(value_type = String)]
    pub period: Period,
    pub value: Option<f64>,
    /// How the figure came about: reported by the place itself, or rolled up.
    pub source: String,
    /// Where the figure comes from (数据来源): the stored figure's own, else the
    /// indicator's default in the plan; null when neither names one.
    pub data_source: Option<String>,
    /// Whether `data_source` is the plan's default (the figure names none).
    pub data_source_is_default: bool,
    /// The indicator's 统计口径 as the plan writes it; empty when it writes none.
    pub definition: String,
    /// The aggregation rule in words.
    pub rule: String,
    /// The figures of the places directly below, in the same period.
    pub parts: Vec<PlaceFigureOut>,
    /// The target the place is judged against: its own (decomposed and approved), the
    /// district's, or none (a summed indicator not decomposed to the place).
    pub target: Option<TargetOut>,
    /// Which target that is, in words: 规划目标, 本地分解目标, 适用区目标 or 无分解目标.
    pub target_basis: String,
    pub year_check: YearCheckOut,
    pub schedule: Option<ScheduleOut>,
    pub progress: ProgressOut,
    pub unsd: UnsdOut,
    pub forecast: ForecastOut,
    pub pace: PaceOut,
}

/// The pace still required to reach the final target (beside the forecast).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaceOut {
    /// `required`, `met`, `missed`, `not_available`.
    #[schema(value_type = String)]
    pub status: PaceStatus,
    /// How `per_year` is measured: `growth` (percent per year, compound), `points`
    /// (percentage points per year, a rate) or `amount` (the indicator's unit per year).
    #[schema(value_type = Option<String>)]
    pub scale: Option<PaceScale>,
    /// Per year, signed (negative: a fall).
    pub per_year: Option<f64>,
    pub target_year: Option<i32>,
    /// Years left from the figure to the end of the target year.
    pub years_left: Option<f64>,
    /// "还需年均增长3.2%方能实现2027年目标".
    pub sentence: String,
    pub explanation: ExplanationOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceFigureOut {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
}

/// The formula in words with the numbers filled in, and its inputs in the order used
/// (`[["基期值", 14.5], ["指标方向", "越低越好"], …]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationOut {
    pub formula: String,
    pub inputs: Vec<(String, InputOut)>,
}

/// One input: a number or a text.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum InputOut {
    Number(f64),
    Text(String),
}

/// The year's target checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearCheckOut {
    /// `met`, `not_met`, `no_data`, `no_target`.
    #[schema(value_type = String)]
    pub status: YearStatus,
    pub actual: Option<f64>,
    pub explanation: ExplanationOut,
}

/// The light on the time-proportional schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleOut {
    /// `green`, `yellow`, `red`, `grey`.
    #[schema(value_type = String)]
    pub light: Light,
    #[schema(value_type = String)]
    pub band_light: Light,
    /// `proportional`, `bound`, `hold`, `none`.
    #[schema(value_type = String)]
    pub mode: ScheduleMode,
    pub expected: Option<f64>,
    pub gap: Option<f64>,
    pub explanation: ExplanationOut,
}

/// The Open SDG progress measure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressOut {
    /// `target_achieved`, `substantial_progress`, `moderate_progress`,
    /// `limited_progress`, `deterioration`, `not_available`.
    #[schema(value_type = String)]
    pub status: ProgressStatus,
    pub p: Option<f64>,
    pub score: Option<f64>,
    pub c: Option<f64>,
    pub explanation: ExplanationOut,
}

/// The UNSD progress ratio.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnsdOut {
    /// `target_met`, `on_track`, `fair_progress`, `stagnation`, `not_available`.
    #[schema(value_type = String)]
    pub status: UnsdStatus,
    pub ratio: Option<f64>,
    pub projected: Option<f64>,
    pub explanation: ExplanationOut,
}

/// The figure projected to the final year.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastOut {
    pub value: Option<f64>,
    pub year: f64,
    /// `compound` or `linear`.
    #[schema(value_type = String)]
    pub method: ForecastMethod,
    pub capped: bool,
    pub explanation: ExplanationOut,
}

impl From<Explained> for ExplainOut {
    fn from(e: Explained) -> Self {
        let Explained {
            indicator,
            indicator_name,
            unit,
            place,
            place_name,
            period,
            value,
            source,
            rule,
            parts,
            target,
            target_basis,
            year_check,
            schedule,
            progress,
            unsd,
            forecast,
            pace,
        } = e;
        let YearCheck {
            status,
            actual,
            explanation,
        } = year_check;
        let year_check = YearCheckOut {
            status,
            actual,
            explanation: explanation.into(),
        };
        let schedule = schedule.map(|s| {
            let Schedule {
                light,
                band_light,
                mode,
                expected,
                gap,
                explanation,
            } = s;
            ScheduleOut {
                light,
                band_light,
                mode,
                expected,
                gap,
                explanation: explanation.into(),
            }
        });
        let Progress {
            status,
            p,
            score,
            c,
            explanation,
        } = progress;
        let progress = ProgressOut {
            status,
            p,
            score,
            c,
            explanation: explanation.into(),
        };
        let UnsdRatio {
            status,
            ratio,
            projected,
            explanation,
        } = unsd;
        let unsd = UnsdOut {
            status,
            ratio,
            projected,
            explanation: explanation.into(),
        };
        let Forecast {
            value: projected_value,
            year,
            method,
            capped,
            explanation,
        } = forecast;
        let forecast = ForecastOut {
            value: projected_value,
            year,
            method,
            capped,
            explanation: explanation.into(),
        };
        let Pace {
            status,
            scale,
            per_year,
            target_year,
            years_left,
            sentence,
            explanation,
        } = pace;
        let pace = PaceOut {
            status,
            scale,
            per_year: per_year.filter(|v| v.is_finite()),
            target_year,
            years_left: years_left.filter(|v| v.is_finite()),
            sentence,
            explanation: explanation.into(),
        };
        ExplainOut {
            indicator,
            indicator_name,
            unit,
            place,
            place_name,
            period,
            value,
            source,
            data_source: None,
            data_source_is_default: false,
            definition: String::new(),
            rule,
            parts: parts
                .into_iter()
                .map(|PlaceFigure { code, name, value }| PlaceFigureOut { code, name, value })
                .collect(),
            target: target.as_ref().map(TargetOut::from),
            target_basis,
            year_check,
            schedule,
            progress,
            unsd,
            forecast,
            pace,
        }
    }
}

impl From<Explanation> for ExplanationOut {
    fn from(e: Explanation) -> Self {
        let Explanation { formula, inputs } = e;
        ExplanationOut {
            formula,
            inputs: inputs
                .into_iter()
                .map(|(name, v)| {
                    let v = match v {
                        InputValue::Number(n) => InputOut::Number(n),
                        InputValue::Text(t) => InputOut::Text(t),
                    };
                    (name, v)
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The page

/// code, name, value, light, lon, lat.
type TownRow = (String, String, Option<f64>, Light, Option<f64>, Option<f64>);

pub struct TownView {
    pub code: String,
    pub name: String,
    pub value: String,
    pub light: &'static str,
    pub light_text: String,
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    c: Chrome,
    title: String,
    code: String,
    place_name: String,
    unit: String,
    polarity: String,
    rollup: String,
    lead: String,
    source: String,
    light: &'static str,
    light_text: String,
    value: String,
    explain: Vec<String>,
    /// The form for the cause and measures of a lagging figure, for its lead unit.
    note_link: String,
    /// What the form that led back here did.
    notice: String,
    trend_chart: String,
    /// Period, figure and the schedule's expected value (the chart's data).
    series: Vec<(String, String, String)>,
    /// Year, target, and the forecast in the forecast's year (the chart's plan data).
    targets: Vec<(i32, String, String)>,
    towns: Vec<TownView>,
    bars_chart: String,
    /// The map of the places below, coloured by this indicator's light (map.rs).
    map: String,
    /// 方案调整: the revisions of its targets, and the office's form.
    revisions: crate::revisions::RevisionSection,
}

/// The district's targets as judged: the baseline, each year's cell of the plan, else the
/// derived one (推算) or the one a year kept from before a revision; a revised cell with
/// its 原目标 beside it.
fn district_targets(
    c: &Chrome,
    plan: &youxiang_core::Plan,
    judged: impl Fn(i32) -> Option<youxiang_core::Target>,
    ind: &youxiang_core::Indicator,
) -> Vec<(i32, String)> {
    let mut rows = vec![(
        plan.baseline_year,
        target_text(&ind.baseline.text, ind.baseline.value, &ind.unit),
    )];
    for (year, cell) in &ind.targets {
        let judged = judged(*year);
        let shown = judged.as_ref().unwrap_or(cell);
        let mut text = target_text(&shown.text, shown.value, &ind.unit);
        if let Some(old) = plan.original_target(&ind.code, *year)
            && old != shown.text
        {
            let old = if old.trim().is_empty() { "—" } else { old };
            text.push_str(&if c.en {
                format!(" (originally {old})")
            } else {
                format!("(原目标 {old})")
            });
        } else if shown.text != cell.text && !shown.derived {
            text.push_str(&if c.en {
                format!(" (kept: revised to {} later)", cell.text)
            } else {
                format!("(当年适用;后调整为 {})", cell.text)
            });
        }
        rows.push((*year, text));
    }
    rows
}

async fn indicator_html(
    State(web): State<Shared>,
    who: PageUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQ>,
) -> PageResult {
    let c = who.chrome(&web, &format!("/indicator/{code}"));
    // Where the figure explained comes from (数据来源), read before the state is held (no
    // lock across the store's await): the period asked for, else the latest figure's.
    let provenance = {
        let explained_period = q
            .period
            .as_deref()
            .and_then(|p| p.parse().ok())
            .or_else(|| {
                let state = web.app.read();
                let place = q.place.clone().unwrap_or_else(|| state.plan.place.clone());
                state
                    .view_for(Reader::Person(&who.user), &place, &code)
                    .series_at(&code, &place)
                    .last()
                    .map(|(p, _)| *p)
            });
        let place = q
            .place
            .clone()
            .unwrap_or_else(|| web.app.read().plan.place.clone());
        match explained_period {
            Some(p) => web
                .app
                .figure_provenance(Reader::Person(&who.user), &code, &place, p)
                .await
                .ok()
                .flatten(),
            None => None,
        }
    };
    let state = web.app.read();
    let Some(ind) = state.plan.indicator(&code).cloned() else {
        return Err(c.error(ApiError::NotFound(format!("指标“{code}”"))));
    };
    let place = q.place.clone().unwrap_or_else(|| state.plan.place.clone());
    let Some(pid) = state.tree.id(&place) else {
        return Err(c.error(ApiError::NotFound(format!("地点“{place}”"))));
    };
    let period: Option<Period> = q.period.as_deref().and_then(|p| p.parse().ok());
    // Each figure as this reader may see it: drafts only within their scope.
    let reader = Reader::Person(&who.user);
    let engine = state.view_for(reader, &place, &code);
    let series = engine.series_at(&code, &place);
    let latest = period.or_else(|| series.last().map(|(p, _)| *p));
    let explained = latest.and_then(|p| engine.explain(&code, &place, p));
    let (light, value, explain) = match &explained {
        Some(e) if c.en => {
            let light = e.schedule.as_ref().map(|s| s.light).unwrap_or(Light::Grey);
            let target = e.target.as_ref().map(|t| t.text.as_str()).unwrap_or("");
            let lines = why_en(e, &series, ind.aggregation.label_en());
            (light, num_vs(e.value, target, &ind.unit), lines)
        }
        Some(e) => {
            let light = e.schedule.as_ref().map(|s| s.light).unwrap_or(Light::Grey);
            let mut lines = vec![
                format!("{}:{}", e.period.label_zh(), e.source),
                e.rule.clone(),
                format!("目标依据:{}", e.target_basis),
            ];
            if let Some(s) = &e.schedule {
                lines.push(s.explanation.formula.clone());
            }
            lines.push(e.year_check.explanation.formula.clone());
            lines.extend(crate::problems::outlook_lines(e, &series, &ind.unit));
            let target = e.target.as_ref().map(|t| t.text.as_str()).unwrap_or("");
            (light, num_vs(e.value, target, &ind.unit), lines)
        }
        None => (Light::Grey, "—".into(), vec![]),
    };
    // The plan's path at this place: the baseline (the district's own) and each year's
    // target the place is judged against — none for a summed figure not decomposed to it.
    let mut plan: Vec<PlanPoint> = Vec::new();
    if place == state.plan.place
        && let Some(v) = ind.baseline.value
    {
        plan.push(PlanPoint {
            year: state.plan.baseline_year,
            value: v,
            text: num(Some(v), &ind.unit),
            baseline: true,
            joined: true,
        });
    }
    let mut bound = false;
    for &y in &state.plan.target_years {
        if let Some(PlaceTarget::Own(t) | PlaceTarget::District(t)) =
            engine.target_at(&code, &place, y)
            && let Some(v) = t.aim()
        {
            let joined = plan
                .last()
                .is_none_or(|p| t.joins_path(p.value, bound, ind.polarity));
            bound = t.is_bound();
            plan.push(PlanPoint {
                year: y,
                value: v,
                text: target_text(&t.text, t.value, &ind.unit),
                baseline: false,
                joined,
            });
        }
    }
    let trend = chart::trend(&chart::Trend {
        unit: ind.unit.clone(),
        en: c.en,
        actual: series.clone(),
        schedule: series
            .iter()
            .map(|(p, _)| {
                let expected = engine
                    .explain(&code, &place, *p)
                    .and_then(|e| e.schedule.and_then(|s| s.expected));
                (*p, expected)
            })
            .collect(),
        plan,
        plan_line: ind.flow != Flow::YearToDate,
    });
    let year = latest
        .map(|p| p.year())
        .unwrap_or_else(|| state.plan.final_year());
    let mut towns: Vec<TownRow> = state
        .tree
        .children(pid)
        .iter()
        .map(|t| {
            let p = state.tree.get(*t);
            let s = state
                .view_for(reader, &p.code, &code)
                .status(&code, &p.code, year);
            (
                p.code.clone(),
                p.name.clone(),
                s.and_then(|s| s.value),
                s.map(|s| s.light).unwrap_or(Light::Grey),
                p.lon,
                p.lat,
            )
        })
        .collect();
    towns.sort_by(|a, b| b.2.unwrap_or(f64::MIN).total_cmp(&a.2.unwrap_or(f64::MIN)));
    // Each town's target this year, as the town is judged (its own, or the district's).
    let town_targets: Vec<Option<(f64, String)>> = towns
        .iter()
        .map(|t| {
            match state
                .view_for(reader, &t.0, &code)
                .target_at(&code, &t.0, year)
            {
                Some(PlaceTarget::Own(x) | PlaceTarget::District(x)) => x
                    .aim()
                    .map(|v| (v, target_text(&x.text, x.value, &ind.unit))),
                _ => None,
            }
        })
        .collect();
    let bars = chart::bars(
        &towns
            .iter()
            .zip(&town_targets)
            .map(|(t, target)| chart::Bar {
                name: t.1.clone(),
                value: t.2,
                light: t.3,
                target: target.as_ref().map(|x| x.0),
            })
            .collect::<Vec<_>>(),
        &ind.unit,
        town_targets
            .iter()
            .flatten()
            .next()
            .map_or("", |x| x.1.as_str()),
        c.en,
    );
    let mut page = IndicatorPage {
        title: format!("{} {}", ind.code, ind.name),
        code: code.clone(),
        place_name: state.tree.get(pid).name.clone(),
        unit: ind.unit.clone(),
        polarity: match ind.polarity {
            youxiang_core::Polarity::LowerIsBetter => c.t("lower").into(),
            _ => c.t("higher").into(),
        },
        rollup: if c.en {
            ind.aggregation.label_en()
        } else {
            ind.aggregation.label_zh()
        },
        lead: ind.lead_unit.clone(),
        source: match &ind.source {
            youxiang_core::IndicatorSource::Task { sentence, .. } => sentence.clone(),
            youxiang_core::IndicatorSource::Table { seq } if c.en => {
                format!("the plan's table, row {seq}")
            }
            youxiang_core::IndicatorSource::Table { seq } => format!("表 序号 {seq}"),
        },
        light: light_str(light),
        light_text: c.light(light),
        value,
        explain,
        notice: q.ok.clone().unwrap_or_default(),
        note_link: if matches!(light, Light::Red | Light::Yellow)
            && youxiang_app::problems::may_write_note_in(&state, &who.user.login, &code, &place)
        {
            format!(
                "/problems/note?indicator={code}&place={place}&back={}",
                crate::download::pct(&format!("/indicator/{code}?place={place}"))
            )
        } else {
            String::new()
        },
        trend_chart: trend.to_string(),
        // The chart's data as a table: each figure beside the schedule it was judged by.
        series: series
            .iter()
            .map(|(p, v)| {
                let expected = engine
                    .explain(&code, &place, *p)
                    .and_then(|e| e.schedule.and_then(|s| s.expected));
                (
                    crate::text::period_label(p, c.en),
                    num(Some(*v), &ind.unit),
                    num(expected, &ind.unit),
                )
            })
            .collect(),
        // The targets the place is judged against: the plan's (with its baseline) at the
        // district; below it each year's own, the district's for a rate, or 无分解目标 —
        // with the forecast beside its year's target.
        targets: with_forecast(
            if place == state.plan.place {
                district_targets(
                    &c,
                    &state.plan,
                    |y| match engine.target_at(&code, &place, y) {
                        Some(PlaceTarget::District(t) | PlaceTarget::Own(t)) => Some(t.clone()),
                        _ => None,
                    },
                    &ind,
                )
            } else {
                ind.targets
                    .keys()
                    .map(|y| {
                        let text = match engine.target_at(&code, &place, *y) {
                            Some(PlaceTarget::Own(t)) => format!(
                                "{}{}",
                                target_text(&t.text, t.value, &ind.unit),
                                if c.en {
                                    " (split to this place)"
                                } else {
                                    "(本地分解)"
                                }
                            ),
                            Some(PlaceTarget::District(t)) => format!(
                                "{}{}",
                                target_text(&t.text, t.value, &ind.unit),
                                if c.en {
                                    " (the district's)"
                                } else {
                                    "(适用区目标)"
                                }
                            ),
                            Some(PlaceTarget::Undecomposed) if c.en => {
                                "no split target".to_string()
                            }
                            Some(PlaceTarget::Undecomposed) => "无分解目标".to_string(),
                            None => "—".to_string(),
                        };
                        (*y, text)
                    })
                    .collect()
            },
            explained.as_ref().and_then(|e| {
                let v = e.forecast.value.filter(|v| v.is_finite())?;
                Some((e.forecast.year.round() as i32, num(Some(v), &ind.unit)))
            }),
        ),
        towns: towns
            .iter()
            .map(|t| TownView {
                code: t.0.clone(),
                name: t.1.clone(),
                value: num(t.2, &ind.unit),
                light: light_str(t.3),
                light_text: c.light(t.3),
            })
            .collect(),
        bars_chart: bars.to_string(),
        map: crate::map::indicator_map(&c, &state, reader, &code, &place, year, period),
        revisions: crate::revisions::section(&state, &who, &code),
        c,
    };
    drop(state);
    // Where the figure explained comes from, and how the indicator is counted.
    if explained.is_some()
        && let Some(prov) = provenance
    {
        let en = page.c.en;
        let shown = prov
            .source
            .map(|s| if en { s.label_en() } else { s.label_zh() });
        page.explain.push(match (shown, en) {
            (Some(s), true) => format!("Source: {s}"),
            (Some(s), false) => format!("数据来源:{s}"),
            (None, true) => "Source: not named".into(),
            (None, false) => "数据来源:未注明".into(),
        });
        if !prov.definition.is_empty() {
            page.explain.push(if en {
                format!("Definition: {}", prov.definition)
            } else {
                format!("统计口径:{}", prov.definition)
            });
        }
    }
    Ok(render(&page))
}

/// Each year's target beside the forecast of that year (empty in the other years); a
/// forecast for a year without a target row gets a row of its own.
fn with_forecast(
    targets: Vec<(i32, String)>,
    forecast: Option<(i32, String)>,
) -> Vec<(i32, String, String)> {
    let mut rows: Vec<(i32, String, String)> = targets
        .into_iter()
        .map(|(y, t)| (y, t, String::new()))
        .collect();
    if let Some((year, value)) = forecast {
        match rows.iter_mut().find(|r| r.0 == year) {
            Some(row) => row.2 = value,
            None => {
                rows.push((year, "—".into(), value));
                rows.sort_by_key(|r| r.0);
            }
        }
    }
    rows
}

/// The "why this light" lines in English, rendered from the explanation's numbers and
/// states (the engine's sentences are Chinese): where the figure comes from, the roll-up
/// rule, the target it is judged against, the schedule and the light, the year's check,
/// the changes against earlier periods, the forecast and the pace still required.
fn why_en(e: &Explained, series: &[(Period, f64)], rule: String) -> Vec<String> {
    let unit = e.unit.as_str();
    let reported_below = e.parts.iter().filter(|p| p.value.is_some()).count();
    let source = match e.value {
        None => "no data: nothing reported here, nor below".to_string(),
        // The engine's own words say which: the place's own figure, or a roll-up.
        Some(_) if e.source.starts_with("本级") => "reported by this place itself (its own \
            figure comes first; the places below are not added, so nothing counts twice)"
            .to_string(),
        Some(_) => format!(
            "rolled up from the places below: {reported_below} of {} have a figure",
            e.parts.len()
        ),
    };
    let target_text = e
        .target
        .as_ref()
        .map(|t| target_text(&t.text, t.value, unit))
        .unwrap_or_else(|| "—".into());
    let basis = e.target_basis.as_str();
    let basis = if basis.starts_with("规划目标") {
        format!("the plan's target, {target_text}")
    } else if basis.starts_with("适用区目标") {
        format!(
            "the district's target, {target_text} (a rate or an average not split applies the \
             district's target everywhere)"
        )
    } else if basis.starts_with("本地分解目标") {
        format!("this place's own target, {target_text} (split and approved)")
    } else if basis.starts_with("无分解目标") {
        "no target split to this place: the district's target of a summed indicator is not \
         split yet, so it is not judged, supervised or ranked"
            .to_string()
    } else if basis.starts_with("本年未设目标") {
        "no target for this year".to_string()
    } else if e.target.as_ref().is_some_and(|t| t.derived) {
        format!("{target_text}, derived from the plan's final target")
    } else {
        target_text.clone()
    };
    let mut lines = vec![
        format!("{}: {source}", e.period.label_en()),
        format!("Roll-up: {rule}"),
        format!("Target: {basis}"),
    ];
    if let Some(s) = &e.schedule {
        let light = match s.light {
            Light::Green => "on track",
            Light::Yellow => "warning",
            Light::Red => "lagging",
            Light::Grey => "no data",
        };
        let expected = num(s.expected, unit);
        let gap = s.gap.filter(|g| g.is_finite());
        let line = match (s.mode, gap) {
            (ScheduleMode::Proportional, Some(g)) if g > 0.0 => format!(
                "On schedule the figure would be {expected} by {}; it is {g:.1} % of the \
                 year's task behind → {light}",
                e.period.label_en()
            ),
            (ScheduleMode::Proportional, _) => format!(
                "On schedule the figure would be {expected} by {}; it is on or ahead of \
                 schedule → {light}",
                e.period.label_en()
            ),
            (ScheduleMode::Bound | ScheduleMode::Hold, Some(g)) if g > 0.0 => format!(
                "The target {expected} holds all year; the figure falls {g:.1} % of it \
                 short → {light}"
            ),
            (ScheduleMode::Bound | ScheduleMode::Hold, _) => {
                format!("The target {expected} holds all year; the figure meets it → {light}")
            }
            (ScheduleMode::None, _) => format!("Nothing to judge on the schedule → {light}"),
        };
        lines.push(line);
    }
    let year = e.period.year();
    // The year's figure with the digits that keep its judgement visible.
    let raw_target = e.target.as_ref().map_or("", |t| t.text.as_str());
    let actual = num_vs(e.year_check.actual, raw_target, unit);
    lines.push(match e.year_check.status {
        YearStatus::Met => format!("Year {year}: {actual} against {target_text} — met"),
        YearStatus::NotMet => format!("Year {year}: {actual} against {target_text} — not met"),
        YearStatus::NoData => format!("Year {year}: no complete figure for the year yet"),
        YearStatus::NoTarget => format!("Year {year}: no target"),
        YearStatus::Undecomposed => format!("Year {year}: no target split to this place"),
    });
    let (yoy, pop) = crate::problems::changes(series, Some(e.period), unit);
    let moved: Vec<String> = [("year on year", yoy), ("on the period before", pop)]
        .into_iter()
        .filter_map(|(what, c)| {
            let c = c?;
            let by = match c.percent {
                Some(p) => format!("{p:+.1} %"),
                None if unit == "%" => format!("{:+.2} percentage points", c.delta),
                None => format!("{:+.2} {unit}", c.delta),
            };
            let against = c
                .against
                .parse::<Period>()
                .map(|p| p.label_en())
                .unwrap_or(c.against);
            Some(format!(
                "{what} {by} (against {against}: {})",
                num(Some(c.against_value), unit)
            ))
        })
        .collect();
    if !moved.is_empty() {
        lines.push(format!("Change: {}", moved.join("; ")));
    }
    let mut outlook = Vec::new();
    if let Some(v) = e.forecast.value {
        outlook.push(format!(
            "forecast for {}: {} ({})",
            e.forecast.year,
            num(Some(v), unit),
            match e.forecast.method {
                ForecastMethod::Compound => "compound yearly growth carried forward",
                ForecastMethod::Linear => "linear trend carried forward",
            }
        ));
    }
    let p = &e.pace;
    let target_year = p
        .target_year
        .map_or_else(String::new, |y| format!("the {y} "));
    match (p.status, p.scale, p.per_year.filter(|v| v.is_finite())) {
        (PaceStatus::Required, Some(scale), Some(v)) => {
            let pace = match scale {
                PaceScale::Growth => format!("{v:+.1} % a year"),
                PaceScale::Points => format!("{v:+.2} percentage points a year"),
                PaceScale::Amount => format!("{} a year", num(Some(v), unit)),
            };
            outlook.push(format!("{pace} still needed to reach {target_year}target"));
        }
        (PaceStatus::Met, _, _) => outlook.push(format!("{target_year}target is already met")),
        (PaceStatus::Missed, _, _) => outlook.push(format!(
            "{target_year}target's year has come and it is not met"
        )),
        _ => {}
    }
    if !outlook.is_empty() {
        let mut text = outlook.join("; ");
        text[..1].make_ascii_uppercase();
        lines.push(text);
    }
    lines
}
